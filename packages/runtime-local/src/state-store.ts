import type { EntityAddress, EntityState, Event, Result } from '@stateflow/ir';

/** One state change produced by a batch: the new state of one instance. */
export interface StateWrite {
  address: EntityAddress;
  state: EntityState;
}

/** Identifies one processed event: its request and its hop number. */
export interface EventId {
  requestId: string;
  seq: number;
}

/** The recorded final outcome of a request that carried a client request id (idempotency key). */
export interface OutcomeRecord {
  requestId: string;
  result: Result;
  /** When the outcome was recorded (ms since the epoch). */
  at: number;
  /**
   * What the call asked for, as a digest (see `callFingerprint`): the same request id
   * sent for a different call is refused. Absent on records of requests resumed after a
   * restart, and on records written before fingerprints existed.
   */
  fingerprint?: string;
}

/**
 * Everything one batch changes, committed all or nothing: new states, the events it
 * consumed from the durable queue, the events it produced (still to process), and the
 * outcomes of requests that finished.
 */
export interface CommitBatch {
  writes: readonly StateWrite[];
  /** Events taken out of the durable queue (their removal is the dedupe record). */
  consumed: readonly EventId[];
  /** Events to process later (never `Response`); they survive a crash. */
  produced: readonly Event[];
  /** Final outcomes to keep for idempotent retries. */
  outcomes: readonly OutcomeRecord[];
}

/** How long outcome records are kept for idempotent retries. */
export interface OutcomeRetention {
  /** Records older than this are dropped. @default 86_400_000 (24 hours) */
  maxAgeMs?: number;
  /** At most this many records are kept; the oldest go first. @default 1_000_000 */
  maxCount?: number;
}

/**
 * Where the runtime keeps entity state, the durable queue of events still to process,
 * and request outcomes. {@link InMemoryStateStore} keeps them in process memory;
 * {@link LmdbStateStore} on disk, committing each batch in one transaction.
 */
export interface StateStore {
  /** Whether commits survive a crash (then the runtime answers clients only after a commit is durable). */
  readonly durable: boolean;
  /** The state of one instance, or `undefined` when it does not exist (sees uncommitted writes). */
  get(address: EntityAddress): EntityState | undefined;
  /**
   * Applies the changes of one batch, all or nothing. Reads see the changes at once;
   * a durable store returns a promise that resolves when they are on disk. Commits
   * become durable in call order.
   */
  commit(batch: CommitBatch): void | Promise<void>;
  /** Keys of the stored instances of one entity class. */
  keys(entity: string): string[];
  /** Every stored instance of one entity class as `[key, state]` (for export). */
  entries(entity: string): IterableIterator<[string, EntityState]>;
  /**
   * Inserts or replaces many instances at once (for import); durable when the promise
   * resolves. With `replaceEntity`, every stored instance of that entity class is
   * removed first, in the same transaction.
   */
  putMany(writes: readonly StateWrite[], options?: { replaceEntity?: string }): Promise<void>;
  /**
   * Counts writes made outside `commit` (`putMany`), so a runtime knows that states a
   * Python worker holds from earlier batches may be stale. Absent means never.
   */
  readonly generation?: number;
  /** Transactions written so far, for stores that group commits into transactions. */
  readonly transactionCount?: number;
  /** The recorded outcome of a request, if it finished and is still retained. */
  getOutcome(requestId: string): OutcomeRecord | undefined;
  /** Events that were produced but not yet processed, in production order (recovery after a restart). */
  pendingEvents(): Event[];
  /**
   * A durable store whose commit failed (a full disk) refuses commits until this
   * resolves: it checks that the disk takes writes again and forgets the states of the
   * failed commits (reads show what is on disk). Absent: commits never fail that way.
   */
  recover?(): Promise<void>;
  /** Flushes and releases the store. */
  close(): Promise<void>;
}

/**
 * Stable string id of an instance address, used as a map key: injective because an
 * entity name is a Python identifier (it holds no NUL), whatever the key holds.
 */
export function addressId(address: EntityAddress): string {
  return `${address.entity}\u0000${address.key}`;
}

/** Default outcome retention: 24 hours, at most one million records. */
export const DEFAULT_RETENTION: Required<OutcomeRetention> = { maxAgeMs: 86_400_000, maxCount: 1_000_000 };

/** A {@link StateStore} held in process memory; lost when the process ends. */
export class InMemoryStateStore implements StateStore {
  readonly durable = false;
  private readonly entities = new Map<string, Map<string, EntityState>>();
  private readonly outcomes = new Map<string, OutcomeRecord>();
  private readonly retention: Required<OutcomeRetention>;

  constructor(options: { retention?: OutcomeRetention } = {}) {
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
  }

  get(address: EntityAddress): EntityState | undefined {
    return this.entities.get(address.entity)?.get(address.key);
  }

  commit(batch: CommitBatch): void {
    this.put(batch.writes);
    if (batch.outcomes.length === 0) return;
    for (const outcome of batch.outcomes) this.outcomes.set(outcome.requestId, outcome);
    this.prune(batch.outcomes[batch.outcomes.length - 1]!.at);
  }

  keys(entity: string): string[] {
    return [...(this.entities.get(entity)?.keys() ?? [])];
  }

  entries(entity: string): IterableIterator<[string, EntityState]> {
    return (this.entities.get(entity) ?? new Map<string, EntityState>()).entries();
  }

  /** Bumped by every {@link putMany}. */
  generation = 0;

  async putMany(writes: readonly StateWrite[], options: { replaceEntity?: string } = {}): Promise<void> {
    this.generation++;
    if (options.replaceEntity !== undefined) this.entities.delete(options.replaceEntity);
    this.put(writes);
  }

  getOutcome(requestId: string): OutcomeRecord | undefined {
    const found = this.outcomes.get(requestId);
    return found && found.at >= Date.now() - this.retention.maxAgeMs ? found : undefined;
  }

  pendingEvents(): Event[] {
    return [];
  }

  async close(): Promise<void> {}

  private put(writes: readonly StateWrite[]): void {
    for (const { address, state } of writes) {
      let table = this.entities.get(address.entity);
      if (!table) {
        table = new Map();
        this.entities.set(address.entity, table);
      }
      table.set(address.key, state);
    }
  }

  private prune(now: number): void {
    // Map iteration is insertion order, so the oldest records come first.
    const oldest = now - this.retention.maxAgeMs;
    for (const [id, record] of this.outcomes) {
      if (this.outcomes.size <= this.retention.maxCount && record.at >= oldest) break;
      this.outcomes.delete(id);
    }
  }
}
