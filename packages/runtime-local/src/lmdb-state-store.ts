import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityAddress, EntityState, Event } from '@stateflow/ir';
import { open, type Database, type RootDatabase } from 'lmdb';
import { ChurnMap } from './churn-map.js';
import { dataDirErrorOf, DataDirError } from './data-dir-error.js';
import { DataDirLock } from './data-dir-lock.js';
import { checkDataFile, FORMAT_VERSION, migrateFromVersion1, TABLES, type Key, type OutcomeValue, type QueuedEvent } from './lmdb-store-format.js';
import { decodeOutcomeLogKey, decodeStateKey, entityRange, outcomeKey, outcomeLogKey, queueKey, stateKey } from './store-keys.js';
import {
  DEFAULT_RETENTION,
  addressId,
  type CommitBatch,
  type OutcomeRecord,
  type OutcomeRetention,
  type StateStore,
  type StateWrite,
} from './state-store.js';

/** Options of {@link LmdbStateStore.open}. */
export interface LmdbStateStoreOptions {
  /** Directory of the database (created if missing). */
  path: string;
  /** How long outcome records are kept. @default 24 hours, at most 1,000,000 */
  retention?: OutcomeRetention;
  /**
   * Wait for the disk to confirm each commit (fsync) before it counts as durable.
   * `false` survives a crash of the process but not of the machine.
   * @default true
   */
  sync?: boolean;
  /**
   * Most committed states kept decoded in memory (the most recently written or read).
   * A read of one of them returns the very object the runtime wrote or read before, so
   * it skips LMDB and msgpack, and a Python worker that holds a copy of it is not sent
   * the state again. 0 turns the cache off.
   * @default 100000
   */
  cacheSize?: number;
  /** What the process that opens the store runs, for the lock message another process shows. @default 'a StateFlow process' */
  command?: string;
}


/** Bytes written by {@link LmdbStateStore.recover} to check that the disk takes writes again. */
const PROBE_BYTES = 64 * 1024;

/**
 * A durable {@link StateStore} on LMDB (memory-mapped B+tree, one writer, ACID). One
 * batch is one transaction: the new states, the removal of the consumed events from
 * the durable queue, the produced events and the outcomes commit together. Group
 * commit: one transaction is in flight at a time, written and synced on lmdb-js's
 * background thread; the commits that come meanwhile are merged into the next one
 * (last state per instance; an event produced and consumed while waiting is never
 * written). Measured on the transfer benchmark at half of peak: 30% fewer transactions
 * and 13–22% less CPU on the writer threads than a transaction per event turn. A batch with
 * nothing to write makes no transaction: it waits for the commits before it. Reads see
 * uncommitted writes through an overlay until their transaction is on disk, and recent
 * committed states through a cache.
 *
 * Tables (keys encoded by `store-keys.ts`, which never maps two values to one key):
 * `state.v2` (entity, key → state), `queue.v2` (request id, seq → event still to
 * process), `outcomes.v2` (request id → result), `outcomeLog.v2` (time, request id: for
 * retention), `meta` (`formatVersion`). A store of format version 1 is migrated when
 * opened. The directory is locked while open (`stateflow.lock`: a second process opening it gets {@link DataDirLockedError}).
 *
 * A commit that fails (a full disk) fails the commits merged after it; the store then
 * refuses commits until {@link recover} finds that the disk takes writes again. What was
 * committed before stays, so nothing acknowledged is lost.
 */
export class LmdbStateStore implements StateStore {
  readonly durable = true;
  /** States written by commits that are not durable yet (LMDB reads do not see them). */
  private readonly overlay = new ChurnMap<string, EntityState>();
  /** Committed states, oldest first (see `cacheSize`). */
  private readonly cache = new ChurnMap<string, EntityState>();
  private readonly cacheSize: number;
  /** The latest commit that is not durable yet. */
  private lastCommit: Promise<void> | undefined;
  /** A transaction is in flight (commits meanwhile wait in `pending`). */
  private writing = false;
  /** Commits waiting for the transaction in flight. */
  private pending: PendingGroup | undefined;
  /** Set when a commit failed: later commits fail too (they built on its states). */
  private failure: Error | undefined;
  private readonly retention: Required<OutcomeRetention>;
  private order = 0;
  private outcomeCount: number;
  private lastPrune = 0;
  private closed = false;

  private constructor(
    private readonly root: RootDatabase,
    private readonly meta: Database<unknown, string>,
    private readonly state: Database<EntityState, Key>,
    private readonly queue: Database<QueuedEvent, Key>,
    private readonly outcomes: Database<OutcomeValue, Key>,
    private readonly outcomeLog: Database<true, Key>,
    private readonly lock: DataDirLock,
    retention: OutcomeRetention | undefined,
    cacheSize: number,
  ) {
    this.retention = { ...DEFAULT_RETENTION, ...retention };
    this.cacheSize = Math.max(0, cacheSize);
    this.outcomeCount = outcomes.getCount();
    for (const { value } of queue.getRange({})) if (value.o >= this.order) this.order = value.o + 1;
  }

  /**
   * Opens (or creates) the store in the directory `options.path` (any name, dots
   * included), locks the directory, and migrates a store of an older format.
   * @throws {DataDirError} (or its subclass `DataDirLockedError`) with a one-line message
   * naming the directory and what to do.
   */
  static open(options: LmdbStateStoreOptions): LmdbStateStore {
    const dir = options.path;
    let lock: DataDirLock | undefined;
    let root: RootDatabase | undefined;
    try {
      mkdirSync(dir, { recursive: true });
      if (!statSync(dir).isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
      lock = DataDirLock.acquire(dir, { command: options.command ?? 'a StateFlow process' });
      checkDataFile(join(dir, 'data.mdb'));
      // noSubdir: lmdb-js takes a path with an extension (`data.v1`, `/tmp/tmp.Xy12`) for
      // a file. Without overlapping sync, a commit promise resolves only after the
      // transaction is synced to disk, so an answered request is never lost with the machine.
      root = open({ path: dir, noSubdir: false, maxDbs: 12, noSync: options.sync === false, overlappingSync: false });
      const meta = root.openDB<unknown, string>({ name: 'meta' });
      const binary = { keyEncoding: 'binary' } as const;
      const tables = {
        state: root.openDB<EntityState, Key>({ name: TABLES.state, ...binary }),
        queue: root.openDB<QueuedEvent, Key>({ name: TABLES.queue, ...binary }),
        outcomes: root.openDB<OutcomeValue, Key>({ name: TABLES.outcomes, ...binary }),
        outcomeLog: root.openDB<true, Key>({ name: TABLES.outcomeLog, ...binary }),
      };
      const version = meta.get('formatVersion');
      if (version === undefined) meta.putSync('formatVersion', FORMAT_VERSION);
      else if (version === 1) migrateFromVersion1(root, meta, tables);
      else if (version !== FORMAT_VERSION) {
        throw new DataDirError(
          dir,
          `the data directory ${dir} has store format version ${String(version)}, and this StateFlow reads versions 1 and ${FORMAT_VERSION}; run it with a newer StateFlow, or pass a new --data-dir`,
        );
      }
      return new LmdbStateStore(root, meta, tables.state, tables.queue, tables.outcomes, tables.outcomeLog, lock, options.retention, options.cacheSize ?? 100_000);
    } catch (err) {
      // lmdb-js closes asynchronously; the lock goes once nothing here writes any more.
      void root?.close();
      lock?.release();
      throw dataDirErrorOf(dir, err);
    }
  }

  /** Adds where this process serves (e.g. its URL) to the directory's lock, for the message another process shows. */
  describeOwner(details: { url?: string; command?: string }): void {
    this.lock.describe(details);
  }

  /**
   * After a failed commit: tries a small write (and removes it) and, when the disk takes
   * it, accepts commits again. States written by the failed commits are forgotten (reads
   * show what is on disk) and {@link generation} is bumped, so that Python workers drop
   * the states they hold. Rejects while the disk still refuses writes.
   */
  async recover(): Promise<void> {
    if (!this.failure) return;
    if (this.writing) throw this.failure;
    const probe = Buffer.alloc(PROBE_BYTES);
    try {
      const put = this.meta.put('probe', probe);
      this.handleBatchPromise();
      await put;
      await this.meta.remove('probe');
    } catch (err) {
      throw await underlyingError(err);
    }
    this.failure = undefined;
    // Reads start again from what is on disk.
    this.overlay.clear();
    this.cache.clear();
    this.generation++;
  }

  get(address: EntityAddress): EntityState | undefined {
    const id = addressId(address);
    const found = this.overlay.get(id) ?? this.cache.get(id);
    if (found !== undefined) return found;
    const stored = this.state.get(stateKey(address.entity, address.key));
    if (stored !== undefined) this.remember(id, stored);
    return stored;
  }

  commit(batch: CommitBatch): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const { writes, consumed, produced, outcomes } = batch;
    if (writes.length === 0 && consumed.length === 0 && produced.length === 0 && outcomes.length === 0) {
      // Nothing to write: the batch's answers wait only for the commits before it (they
      // may show what those wrote).
      return this.lastCommit ?? Promise.resolve();
    }
    // At most one transaction in flight: commits that come meanwhile are merged into the
    // next one (see `PendingGroup`), which starts as soon as it is on disk.
    const group = (this.pending ??= new PendingGroup());
    for (const write of writes) {
      const id = addressId(write.address);
      this.overlay.set(id, write.state);
      group.states.set(id, write);
    }
    group.addQueueAndOutcomes(batch, () => this.order++);
    if (!this.writing) return this.writeGroup();
    return (this.lastCommit = group.durable);
  }

  /** Number of LMDB transactions so far (a measure of how well commits are grouped). */
  get transactionCount(): number {
    return (this.root.getStats() as { lastTxnId: number }).lastTxnId;
  }

  /**
   * Writes the pending group as one transaction: lmdb-js commits every write queued in
   * one event turn in one transaction, run by its own thread (a transaction() callback
   * would also stop this thread while LMDB holds the write lock). Its last write's
   * promise resolves when that transaction is on disk.
   */
  private writeGroup(): Promise<void> {
    const group = this.pending!;
    this.pending = undefined;
    this.writing = true;
    this.lastCommit = group.durable;
    let durable: Promise<void>;
    try {
      durable = this.writeInOneTransaction(group);
      this.handleBatchPromise();
    } catch (err) {
      // lmdb-js refuses some writes at once (a key over LMDB's size limit).
      durable = Promise.reject(err);
    }
    durable = durable.catch(async (err: unknown) => {
      throw await underlyingError(err);
    });
    void durable.then(
      () => {
        this.writing = false;
        if (this.lastCommit === group.durable) this.lastCommit = undefined;
        group.resolve();
        if (this.pending) void this.writeGroup();
      },
      (error: Error) => {
        // A later group builds on this one's states: it must not commit either. Reads
        // go back to what is on disk.
        this.failure = error;
        this.writing = false;
        for (const failed of [group, this.pending]) {
          if (!failed) continue;
          failed.reject(this.failure);
          for (const [id, { state }] of failed.states) if (this.overlay.get(id) === state) this.overlay.delete(id);
        }
        this.pending = undefined;
      },
    );
    return group.durable;
  }

  /** Queues the group's writes in this event turn; resolves when they are on disk. */
  private writeInOneTransaction(group: PendingGroup): Promise<void> {
    let last: Promise<unknown> | undefined;
    // Every write of a failed transaction rejects; only the last one is awaited, so the
    // others must not reject unhandled (which would end the process).
    const write = (written: Promise<unknown>): void => {
      last?.catch(ignore);
      last = written;
    };
    // Keys first: lmdb-js refuses an over-long key at once, but still commits the writes
    // queued before it, which would split the group.
    const states: Array<[Key, EntityState]> = [];
    for (const { address, state } of group.states.values()) states.push([checkedKey(stateKey(address.entity, address.key), address), state]);
    for (const [key, state] of states) write(this.state.put(key, state));
    for (const [requestId, seq] of group.removed) write(this.queue.remove(queueKey(requestId, seq)));
    for (const [[requestId, seq], queued] of group.queued.values()) write(this.queue.put(queueKey(requestId, seq), queued));
    for (const { requestId, ...outcome } of group.outcomes) {
      write(this.outcomes.put(outcomeKey(requestId), outcome));
      write(this.outcomeLog.put(outcomeLogKey(outcome.at, requestId), true));
      this.outcomeCount++;
    }
    if (group.outcomes.length > 0) {
      const pruned = this.prune(group.outcomes[group.outcomes.length - 1]!.at);
      if (pruned) write(pruned);
    }
    // Every write of the group may have cancelled out (an event produced and consumed
    // while waiting): then it is durable already (nothing before it is in flight).
    return last ? this.whenDurable(last, group.states) : Promise.resolve();
  }

  keys(entity: string): string[] {
    const keys: string[] = [];
    for (const { key } of this.range(entity)) keys.push(decodeStateKey(key).key);
    return keys;
  }

  *entries(entity: string): IterableIterator<[string, EntityState]> {
    for (const { key: bytes, value } of this.range(entity)) {
      const { key } = decodeStateKey(bytes);
      yield [key, this.overlay.get(addressId({ entity, key })) ?? value];
    }
  }

  /** Bumped by every {@link putMany}. */
  generation = 0;

  async putMany(writes: readonly StateWrite[], options: { replaceEntity?: string } = {}): Promise<void> {
    this.generation++;
    const entity = options.replaceEntity;
    if (entity === undefined) {
      await this.commit({ writes, consumed: [], produced: [], outcomes: [] });
      return;
    }
    const prefix = `${entity}\u0000`;
    for (const id of [...this.overlay.keys()]) if (id.startsWith(prefix)) this.overlay.delete(id);
    for (const id of [...this.cache.keys()]) if (id.startsWith(prefix)) this.cache.delete(id);
    // After the commits before it, and before any that come meanwhile (they wait in `pending`).
    while (this.lastCommit) await this.lastCommit;
    this.writing = true;
    try {
      const committed = this.root.transaction(() => {
        for (const key of Array.from(this.range(entity), (entry) => entry.key)) this.state.remove(key);
        for (const { address, state } of writes) this.state.put(stateKey(address.entity, address.key), state);
      });
      await this.whenDurable(committed, new Map());
    } finally {
      this.writing = false;
      if (this.pending) void this.writeGroup();
    }
  }

  getOutcome(requestId: string): OutcomeRecord | undefined {
    const found = this.outcomes.get(outcomeKey(requestId));
    if (!found || found.at < Date.now() - this.retention.maxAgeMs) return undefined;
    return { requestId, ...found };
  }

  pendingEvents(): Event[] {
    const all: QueuedEvent[] = [];
    for (const { value } of this.queue.getRange({})) all.push(value);
    all.sort((a, b) => a.o - b.o);
    return all.map((q) => q.e);
  }

  /** Number of events in the durable queue. */
  get queuedCount(): number {
    return this.queue.getCount();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // lmdb-js starts a transaction it has queued writes for on the next turn (even after
    // a write it refused): closing before that makes it throw from a timer.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      await this.root.flushed;
    } catch {
      // A failed commit was reported to its callers already.
    }
    await this.root.close();
    this.lock.release();
  }

  private range(entity: string) {
    return this.state.getRange(entityRange(entity));
  }

  /**
   * lmdb-js starts each transaction with a write of its own, on the next turn, whose
   * promise nobody holds: when the transaction fails it would reject unhandled (and end
   * the process). Its failure reaches the callers through their own writes.
   */
  private handleBatchPromise(): void {
    setImmediate(() => void this.root.committed.then(undefined, ignore));
  }

  /** `staged`: the states the transaction writes, by instance id. */
  private async whenDurable(committed: Promise<unknown>, staged: ReadonlyMap<string, StateWrite>): Promise<void> {
    let durable = false;
    try {
      // Resolves once the transaction is synced (unless sync is off).
      await committed;
      durable = true;
    } finally {
      // The cache holds the last durable state of an instance, the overlay a later one
      // not durable yet: a state this commit made durable goes to the cache even when a
      // later write replaced it in the overlay (should that write fail, reads fall back
      // to this state, not an older one). After a failed commit the cache keeps the
      // older state.
      for (const [id, { state }] of staged) {
        if (durable) this.remember(id, state);
        if (this.overlay.get(id) === state) this.overlay.delete(id);
      }
    }
  }

  /**
   * Caches a committed state, dropping the longest-cached one past `cacheSize` (first in,
   * first out: replacing a state in place keeps the map's keys stable, which is cheaper
   * than moving it to the end on every write).
   */
  private remember(id: string, state: EntityState): void {
    if (this.cacheSize === 0) return;
    this.cache.set(id, state);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }

  /**
   * Drops expired outcome records, at most one sweep per second (unless past the count
   * bound), in a transaction queued after this turn's writes, which sees them.
   */
  private prune(now: number): Promise<unknown> | undefined {
    if (now - this.lastPrune < 1000 && this.outcomeCount <= this.retention.maxCount) return undefined;
    this.lastPrune = now;
    return this.root.transaction(() => this.pruneInTransaction(now));
  }

  private pruneInTransaction(now: number): void {
    // Bounded work per sweep.
    const oldest = now - this.retention.maxAgeMs;
    let budget = 10_000;
    for (const { key } of this.outcomeLog.getRange({})) {
      if (budget-- === 0) break;
      const { at, requestId } = decodeOutcomeLogKey(key);
      if (this.outcomeCount <= this.retention.maxCount && at >= oldest) break;
      this.outcomeLog.remove(key);
      this.outcomes.remove(outcomeKey(requestId));
      this.outcomeCount--;
    }
  }
}

function ignore(): void {}

/** LMDB's limit on a database key (lmdb-js's default `maxKeySize`). */
const MAX_DB_KEY_BYTES = 1978;

/** `key`, unless it is over LMDB's limit (a key within MAX_KEY_BYTES is, only with an entity name of over 900 bytes). */
function checkedKey(key: Key, address: EntityAddress): Key {
  if (key.length > MAX_DB_KEY_BYTES) {
    throw new RangeError(`the store key of ${address.entity.slice(0, 40)}/${address.key.slice(0, 40)}… is ${key.length} bytes; LMDB takes at most ${MAX_DB_KEY_BYTES}`);
  }
  return key;
}

/**
 * The error behind a failed lmdb-js commit: lmdb-js rejects each write with "Commit
 * failed" and the cause (e.g. ENOSPC) in a separate promise, `commitError`, which would
 * otherwise reject unhandled.
 */
async function underlyingError(err: unknown): Promise<Error> {
  const cause = (err as { commitError?: Promise<unknown> } | undefined)?.commitError;
  if (cause && typeof cause.then === 'function') {
    try {
      await cause;
    } catch (inner) {
      return withCode(inner);
    }
  }
  return withCode(err);
}

/**
 * An Error, with lmdb-js's numeric errno (28) named as Node does (`ENOSPC`) and its
 * detail (page positions, buffer sizes) left to the cause.
 */
function withCode(err: unknown): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  const code = (error as { code?: unknown }).code;
  if (code === 28 || /No space left on device/.test(error.message)) {
    return Object.assign(new Error('No space left on device', { cause: error }), { code: 'ENOSPC' });
  }
  return error;
}

/** The id of a queue entry within a {@link PendingGroup}. */
function queueId(requestId: string, seq: number): string {
  return `${requestId}\u0000${seq}`;
}

/**
 * Commits that arrived while a transaction was in flight, merged into the next one.
 * Merging is exact: the group keeps each instance's last state, and an event produced
 * and consumed within the group is never written at all (its put and its removal cancel).
 * Each commit is wholly in one group, so a batch is still all or nothing.
 */
class PendingGroup {
  /** Last state per instance, in first-write order. */
  readonly states = new Map<string, StateWrite>();
  /** Queue entries to add, by `requestId\0seq`. */
  readonly queued = new Map<string, [[string, number], QueuedEvent]>();
  /** Queue entries to remove (written by earlier transactions), as `[requestId, seq]`. */
  readonly removed: Array<[string, number]> = [];
  readonly outcomes: OutcomeRecord[] = [];
  readonly durable: Promise<void>;
  resolve!: () => void;
  reject!: (error: Error) => void;

  constructor() {
    this.durable = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // The first commit of a group returns this promise; a failure is handled there.
    this.durable.catch(() => {});
  }

  /** Merges a commit's queue changes and outcomes (its states go to `states` as they come). */
  addQueueAndOutcomes({ consumed, produced, outcomes }: CommitBatch, nextOrder: () => number): void {
    for (const { requestId, seq } of consumed) {
      if (!this.queued.delete(queueId(requestId, seq))) this.removed.push([requestId, seq]);
    }
    for (const event of produced) this.queued.set(queueId(event.requestId, event.seq), [[event.requestId, event.seq], { o: nextOrder(), e: event }]);
    for (const outcome of outcomes) this.outcomes.push(outcome);
  }
}
