/**
 * A readers-writer gate for one worker slot: batches run on the worker `shared` (several
 * pipelined at once), and a recovery that re-runs a failed batch's events one by one runs
 * `exclusive`, with no other batch on the worker, so an event that fails alone there is
 * known to be the one at fault. A waiting recovery goes before batches that arrive after
 * it (they wait), so recoveries are not starved.
 */
export class SlotGate {
  private sharedCount = 0;
  private onIdle: Array<() => void> = [];
  /** Settles when the last exclusive section queued so far has ended. */
  private exclusiveTail: Promise<void> = Promise.resolve();
  private exclusiveWaiting = 0;

  /** Runs `fn` alongside other shared sections, after every exclusive section queued before it. */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.exclusiveWaiting > 0) await this.exclusiveTail;
    this.sharedCount++;
    try {
      return await fn();
    } finally {
      if (--this.sharedCount === 0) for (const wake of this.onIdle.splice(0)) wake();
    }
  }

  /** Runs `fn` alone: after the exclusive sections queued before it and once no shared section runs. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.exclusiveWaiting++;
    const before = this.exclusiveTail;
    let release!: () => void;
    this.exclusiveTail = new Promise((resolve) => (release = resolve));
    try {
      await before;
      if (this.sharedCount > 0) await new Promise<void>((resolve) => this.onIdle.push(resolve));
      return await fn();
    } finally {
      this.exclusiveWaiting--;
      release();
    }
  }
}
