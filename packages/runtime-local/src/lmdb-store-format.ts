import { closeSync, openSync, readSync } from 'node:fs';
import type { EntityState, Event } from '@stateflow/ir';
import type { Database, RootDatabase } from 'lmdb';
import type { OutcomeRecord } from './state-store.js';
import { outcomeKey, outcomeLogKey, queueKey, stateKey } from './store-keys.js';

/*
 * The on-disk format of the durable store: its version, its tables, and what opening a
 * directory checks and migrates. The key encoding itself is in `store-keys.ts`.
 */

/** Database keys: bytes made by `store-keys.ts`. */
export type Key = Buffer;
/** An event in the durable queue. */
export interface QueuedEvent {
  /** Production order, to restore mailbox order on recovery. */
  o: number;
  e: Event;
}
export type OutcomeValue = Omit<OutcomeRecord, 'requestId'>;

/** 2: keys in the injective encoding of `store-keys.ts` (1: lmdb-js's own key encoding). */
export const FORMAT_VERSION = 2;
/** The tables of format version 2 (version 1's have the names without the suffix). */
export const TABLES = { state: 'state.v2', queue: 'queue.v2', outcomes: 'outcomes.v2', outcomeLog: 'outcomeLog.v2' } as const;

/** LMDB's magic number, in the meta page at the start of every data file (little-endian). */
const LMDB_MAGIC = Buffer.from([0xde, 0xc0, 0xef, 0xbe]);

/**
 * Refuses a data file that is not LMDB's before LMDB opens it: lmdb-js crashes the
 * process (SIGSEGV) on one. An empty or missing file is a new store.
 */
export function checkDataFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const head = Buffer.alloc(64);
    const read = readSync(fd, head, 0, head.length, 0);
    if (read === 0) return;
    if (head.subarray(0, read).indexOf(LMDB_MAGIC) === -1) throw new Error('MDB_INVALID: data.mdb is not an LMDB data file');
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies a format-version-1 store (lmdb-js's key encoding) into the version-2 tables in
 * one transaction, then drops the old tables. Records that version 1 had already merged
 * (two keys that shared one database key) stay merged: nothing can split them.
 */
export function migrateFromVersion1(
  root: RootDatabase,
  meta: Database<unknown, string>,
  tables: {
    state: Database<EntityState, Key>;
    queue: Database<QueuedEvent, Key>;
    outcomes: Database<OutcomeValue, Key>;
    outcomeLog: Database<true, Key>;
  },
): void {
  const old = {
    state: root.openDB<EntityState, [string, string]>({ name: 'state' }),
    queue: root.openDB<QueuedEvent, [string, number]>({ name: 'queue' }),
    outcomes: root.openDB<OutcomeValue, string>({ name: 'outcomes' }),
    outcomeLog: root.openDB<true, [number, string]>({ name: 'outcomeLog' }),
  };
  root.transactionSync(() => {
    for (const { key, value } of old.state.getRange({})) tables.state.putSync(stateKey(key[0], key[1]), value);
    for (const { key, value } of old.queue.getRange({})) tables.queue.putSync(queueKey(key[0], key[1]), value);
    for (const { key, value } of old.outcomes.getRange({})) tables.outcomes.putSync(outcomeKey(key), value);
    for (const { key } of old.outcomeLog.getRange({})) tables.outcomeLog.putSync(outcomeLogKey(key[0], key[1]), true);
    for (const table of Object.values(old)) table.clearSync();
    meta.putSync('formatVersion', FORMAT_VERSION);
  });
}

