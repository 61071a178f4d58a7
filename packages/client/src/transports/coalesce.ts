/**
 * Coalesces concurrent writes into one request at a time: while a batch is being written,
 * new items wait, and go together in the next batch once it is done.
 *
 * The Kafka transport's idempotent producer allows one request in flight; without this,
 * N concurrent calls are N produce round trips one after the other, which caps a client
 * at 1/round-trip calls per second whatever the engine does. Order is kept (batches are
 * written one after the other, items in the order they came), and nothing waits for a timer.
 */
export function coalescing<T>(write: (batch: T[]) => Promise<void>, maxBatch = 500): (item: T) => Promise<void> {
  let queue: { item: T; resolve(): void; reject(err: unknown): void }[] = [];
  let writing = false;

  async function drain(): Promise<void> {
    writing = true;
    try {
      while (queue.length) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        try {
          await write(batch.map((q) => q.item));
          for (const q of batch) q.resolve();
        } catch (err) {
          for (const q of batch) q.reject(err);
        }
      }
    } finally {
      writing = false;
    }
  }

  return (item: T) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!writing) void drain();
    });
}
