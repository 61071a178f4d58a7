import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_KEY_BYTES, type Event } from '@stateflow/ir';
import { InMemoryStateStore, LmdbStateStore, LocalRuntime } from '../src/index.js';
import { JsHost, counterEntity, counterProgram } from './support/js-host.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sf-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const pendingInvoke = (requestId: string, seq: number, key: string, amount: number): Event => ({
  kind: 'Invoke',
  requestId,
  seq,
  stack: [],
  replyTo: { channel: 'local', id: 'gone' },
  target: { entity: 'Counter', key },
  method: 'add',
  args: [amount],
  kwargs: {},
});

describe('LmdbStateStore', () => {
  it('commits states, queue changes and outcomes together and reads them back after reopening', async () => {
    const path = tempDir();
    const store = LmdbStateStore.open({ path });
    const event = pendingInvoke('key:r1', 1, 'a', 1);
    await store.commit({
      writes: [{ address: { entity: 'Counter', key: 'a' }, state: { total: 1 } }],
      consumed: [],
      produced: [event],
      outcomes: [{ requestId: 'key:r0', result: { ok: 5 }, at: Date.now() }],
    });
    await store.commit({ writes: [], consumed: [{ requestId: 'key:r1', seq: 1 }], produced: [pendingInvoke('key:r2', 3, 'b', 2)], outcomes: [] });
    await store.close();
    const again = LmdbStateStore.open({ path });
    expect(again.get({ entity: 'Counter', key: 'a' })).toEqual({ total: 1 });
    expect(again.pendingEvents().map((e) => e.requestId)).toEqual(['key:r2']);
    expect(again.getOutcome('key:r0')?.result).toEqual({ ok: 5 });
    expect(again.getOutcome('key:nope')).toBeUndefined();
    await again.close();
  });

  it('reads back the very state objects it wrote or read, within its cache size, and forgets replaced classes', async () => {
    const path = tempDir();
    const a = { entity: 'Counter', key: 'a' };
    const b = { entity: 'Counter', key: 'b' };
    const c = { entity: 'Counter', key: 'c' };
    const written = { total: 1 };
    const store = LmdbStateStore.open({ path, cacheSize: 2 });
    const pending = store.commit({ writes: [{ address: a, state: written }], consumed: [], produced: [], outcomes: [] });
    expect(store.get(a)).toBe(written); // not durable yet: from the overlay
    await pending;
    expect(store.get(a)).toBe(written); // durable: from the cache, the same object
    await store.commit({ writes: [{ address: b, state: { total: 2 } }, { address: c, state: { total: 3 } }], consumed: [], produced: [], outcomes: [] });
    // Three states, room for two: the first one cached is read from LMDB again (equal, not the same).
    expect(store.get(a)).not.toBe(written);
    expect(store.get(a)).toEqual(written);
    const readBack = store.get(a);
    expect(store.get(a)).toBe(readBack); // a read is cached too
    await store.putMany([{ address: b, state: { total: 20 } }], { replaceEntity: 'Counter' });
    expect(store.get(a)).toBeUndefined(); // replaced away, not served from the cache
    expect(store.get(b)).toEqual({ total: 20 });
    await store.close();

    const uncached = LmdbStateStore.open({ path, cacheSize: 0 });
    expect(uncached.get(b)).not.toBe(uncached.get(b));
    await uncached.close();
  });

  it('lets a commit with nothing to write wait for the commits before it', async () => {
    const store = LmdbStateStore.open({ path: tempDir() });
    const order: string[] = [];
    const first = store.commit({ writes: [{ address: { entity: 'Counter', key: 'a' }, state: { total: 1 } }], consumed: [], produced: [], outcomes: [] });
    const empty = store.commit({ writes: [], consumed: [], produced: [], outcomes: [] });
    await Promise.all([first.then(() => order.push('first')), Promise.resolve(empty).then(() => order.push('empty'))]);
    expect(order).toEqual(['first', 'empty']);
    await store.commit({ writes: [], consumed: [], produced: [], outcomes: [] }); // nothing pending: resolves
    await store.close();
  });

  it('merges the commits made while a transaction is in flight into the next one, exactly', async () => {
    const path = tempDir();
    const store = LmdbStateStore.open({ path });
    const a = { entity: 'Counter', key: 'a' };
    const b = { entity: 'Counter', key: 'b' };
    const before = store.transactionCount;
    const order: number[] = [];
    const commits = [
      // In flight alone.
      store.commit({ writes: [{ address: a, state: { total: 1 } }], consumed: [], produced: [pendingInvoke('key:r1', 1, 'b', 1)], outcomes: [] }),
      // These three wait, then share one transaction.
      store.commit({ writes: [{ address: a, state: { total: 2 } }], consumed: [{ requestId: 'key:r1', seq: 1 }], produced: [pendingInvoke('key:r1', 2, 'a', 1)], outcomes: [] }),
      store.commit({ writes: [{ address: b, state: { total: 7 } }], consumed: [{ requestId: 'key:r1', seq: 2 }], produced: [pendingInvoke('key:r3', 1, 'a', 3)], outcomes: [] }),
      store.commit({ writes: [{ address: a, state: { total: 3 } }], consumed: [], produced: [], outcomes: [{ requestId: 'key:r1', result: { ok: 1 }, at: Date.now() }] }),
    ];
    commits.forEach((commit, i) => void commit.then(() => order.push(i)));
    expect(store.get(a)).toEqual({ total: 3 }); // reads see every commit at once
    await Promise.all(commits);
    expect(order).toEqual([0, 1, 2, 3]); // durable in call order
    expect(store.transactionCount - before).toBe(2);
    await store.close();

    const again = LmdbStateStore.open({ path });
    expect(again.get(a)).toEqual({ total: 3 }); // the last state of the group
    expect(again.get(b)).toEqual({ total: 7 });
    // key:r1/1 was removed by the second transaction; key:r1/2 was produced and consumed
    // inside the group (never written); key:r3/1 is still to process.
    expect(again.pendingEvents().map((e) => `${e.requestId}/${e.seq}`)).toEqual(['key:r3/1']);
    expect(again.getOutcome('key:r1')?.result).toEqual({ ok: 1 });
    await again.close();
  });

  it('fails the commits that built on a failed one', async () => {
    const store = LmdbStateStore.open({ path: tempDir() });
    const a = { entity: 'Counter', key: 'a' };
    // LMDB refuses a key over its size limit.
    const broken = store.commit({ writes: [{ address: { entity: 'Counter', key: 'k'.repeat(3000) }, state: { total: 1 } }], consumed: [], produced: [], outcomes: [] });
    const after = store.commit({ writes: [{ address: a, state: { total: 2 } }], consumed: [], produced: [], outcomes: [] });
    await expect(broken).rejects.toThrow(/^the store key of Counter\/k{40}… is 3009 bytes; LMDB takes at most 1978$/);
    await expect(after).rejects.toThrow();
    expect(store.get(a)).toBeUndefined(); // reads show what is on disk, not the refused commits
    await expect(store.commit({ writes: [{ address: a, state: { total: 3 } }], consumed: [], produced: [], outcomes: [] })).rejects.toThrow();
    // Until recover(): then nothing of the refused commits is on disk.
    await store.recover();
    expect(store.get(a)).toBeUndefined();
    expect(store.keys('Counter')).toEqual([]);
    await store.close();
  });

  it('iterates the instances of one entity class and bulk-inserts', async () => {
    const store = LmdbStateStore.open({ path: tempDir() });
    await store.putMany([
      { address: { entity: 'Counter', key: 'b' }, state: { total: 2 } },
      { address: { entity: 'Counter', key: 'a' }, state: { total: 1 } },
      { address: { entity: 'Counters', key: 'x' }, state: { total: 9 } },
    ]);
    expect([...store.entries('Counter')]).toEqual([
      ['a', { total: 1 }],
      ['b', { total: 2 }],
    ]);
    expect(store.keys('Counters')).toEqual(['x']);
    await store.close();
  });

  it('drops outcome records past the retention bound', async () => {
    const store = LmdbStateStore.open({ path: tempDir(), retention: { maxCount: 2 } });
    const now = Date.now();
    for (let i = 0; i < 4; i++) {
      await store.commit({ writes: [], consumed: [], produced: [], outcomes: [{ requestId: `key:${i}`, result: { ok: i }, at: now + i }] });
    }
    expect(store.getOutcome('key:0')).toBeUndefined();
    expect(store.getOutcome('key:3')?.result).toEqual({ ok: 3 });
    await store.close();
  });
});

describe('LocalRuntime with a durable store', () => {
  it('refuses a key longer than MAX_KEY_BYTES with a clear error and keeps running', async () => {
    const runtime = await LocalRuntime.start(counterProgram, { host: new JsHost({ Counter: counterEntity }), dataDir: tempDir() });
    const long = 'k'.repeat(MAX_KEY_BYTES + 1);
    const refused = await runtime.invoke('Counter', long, 'add', [1]);
    expect(refused).toMatchObject({ error: { code: 'BadArguments' } });
    expect('error' in refused && refused.error.message).toMatch(/instance keys are at most 1000 bytes/);
    expect(runtime.getState('Counter', long)).toBeUndefined();
    await runtime.create('Counter', ['a']);
    expect(await runtime.invoke('Counter', 'a', 'add', [2])).toEqual({ ok: 2 });
    expect(runtime.health().ready).toBe(true);
    await runtime.stop();
  });

  it('counts the durable store\'s transactions in the metrics (and no such series in memory)', async () => {
    const runtime = await LocalRuntime.start(counterProgram, { host: new JsHost({ Counter: counterEntity }), dataDir: tempDir() });
    await runtime.create('Counter', ['a']);
    await Promise.all([1, 2, 3].map((n) => runtime.invoke('Counter', 'a', 'add', [n])));
    const text = runtime.metrics.render();
    expect(text).toContain('# TYPE stateflow_store_transactions_total counter');
    const transactions = Number(text.match(/^stateflow_store_transactions_total (\d+)$/m)?.[1]);
    const commits = Number(text.match(/^stateflow_store_commit_duration_seconds_count (\d+)$/m)?.[1]);
    expect(transactions).toBeGreaterThan(0);
    expect(commits).toBeGreaterThan(0);
    await runtime.stop();
    const inMemory = await LocalRuntime.start(counterProgram, { host: new JsHost({ Counter: counterEntity }) });
    expect(inMemory.metrics.render()).not.toContain('stateflow_store_transactions_total');
    await inMemory.stop();
  });

  it('keeps state across a restart', async () => {
    const dataDir = tempDir();
    const first = await LocalRuntime.start(counterProgram, { host: new JsHost({ Counter: counterEntity }), dataDir });
    await first.create('Counter', ['a']);
    expect(await first.invoke('Counter', 'a', 'add', [4])).toEqual({ ok: 4 });
    await first.stop();
    const second = await LocalRuntime.start(counterProgram, { host: new JsHost({ Counter: counterEntity }), dataDir });
    expect(second.getState('Counter', 'a')?.['total']).toBe(4);
    expect(second.health()).toMatchObject({ ready: true, durable: true });
    await second.stop();
  });

  it('resumes events left in the durable queue and records their outcome for a retry', async () => {
    const dataDir = tempDir();
    const store = LmdbStateStore.open({ path: dataDir });
    await store.putMany([{ address: { entity: 'Counter', key: 'a' }, state: { name: 'a', total: 10, log: [] } }]);
    await store.commit({ writes: [], consumed: [], produced: [pendingInvoke('key:left-over', 1, 'a', 5)], outcomes: [] });
    await store.close();
    const runtime = await LocalRuntime.start(counterProgram, { host: new JsHost({ Counter: counterEntity }), dataDir });
    expect(runtime.health().recovered).toBe(1);
    // The retry joins (or finds) the resumed request instead of running it again.
    expect(await runtime.invoke('Counter', 'a', 'add', [5], {}, { requestId: 'left-over' })).toEqual({ ok: 15 });
    await runtime.drained();
    expect(runtime.getState('Counter', 'a')?.['total']).toBe(15);
    expect(runtime.store.pendingEvents()).toEqual([]);
    await runtime.stop();
  });
});

describe.each([
  ['in memory', () => ({})],
  ['durable', () => ({ dataDir: tempDir() })],
] as const)('idempotent requests (%s)', (_, options) => {
  it('returns the first outcome again for the same request id, without running twice', async () => {
    const host = new JsHost({ Counter: counterEntity });
    const runtime = await LocalRuntime.start(counterProgram, { host, ...options() });
    expect(await runtime.create('Counter', ['a'], {}, { requestId: 'c1' })).toEqual({ ok: { $entity: 'Counter', $key: 'a' } });
    expect(await runtime.create('Counter', ['a'], {}, { requestId: 'c1' })).toEqual({ ok: { $entity: 'Counter', $key: 'a' } });
    const calls = [1, 2, 3].map(() => runtime.invoke('Counter', 'a', 'add', [7], {}, { requestId: 'same' }));
    expect(await Promise.all(calls)).toEqual([{ ok: 7 }, { ok: 7 }, { ok: 7 }]);
    expect(await runtime.invoke('Counter', 'a', 'add', [7], {}, { requestId: 'same' })).toEqual({ ok: 7 });
    expect(await runtime.invoke('Counter', 'a', 'add', [1], {}, { requestId: 'other' })).toEqual({ ok: 8 });
    expect(runtime.getState('Counter', 'a')?.['log']).toEqual([7, 1]);
    expect(await runtime.invoke('Counter', 'a', 'add', [1], {}, { requestId: 'has space' })).toMatchObject({
      error: { code: 'BadArguments' },
    });
    await runtime.stop();
  });

  it('refuses a request id used before for a different call, finished or still running', async () => {
    const host = new JsHost({ Counter: counterEntity });
    const runtime = await LocalRuntime.start(counterProgram, { host, ...options() });
    await runtime.create('Counter', ['a']);
    await runtime.create('Counter', ['b']);
    expect(await runtime.invoke('Counter', 'a', 'add', [7], {}, { requestId: 'k1' })).toEqual({ ok: 7 });
    const reused = { error: { code: 'IdempotencyKeyReused', type: 'IdempotencyKeyReused' } };
    // Other arguments, another instance, another method kind: refused, nothing runs.
    expect(await runtime.invoke('Counter', 'a', 'add', [8], {}, { requestId: 'k1' })).toMatchObject(reused);
    expect(await runtime.invoke('Counter', 'b', 'add', [7], {}, { requestId: 'k1' })).toMatchObject(reused);
    expect(await runtime.create('Counter', ['c'], {}, { requestId: 'k1' })).toMatchObject(reused);
    // While the first call is still running.
    const first = runtime.invoke('Counter', 'a', 'add', [1], {}, { requestId: 'k2' });
    const other = runtime.invoke('Counter', 'a', 'add', [2], {}, { requestId: 'k2' });
    const same = runtime.invoke('Counter', 'a', 'add', [1], {}, { requestId: 'k2' });
    expect(await other).toMatchObject(reused);
    expect(await Promise.all([first, same])).toEqual([{ ok: 8 }, { ok: 8 }]);
    expect(runtime.getState('Counter', 'a')?.['log']).toEqual([7, 1]);
    expect(runtime.getState('Counter', 'b')?.['log']).toEqual([]);
    expect(runtime.keys('Counter').sort()).toEqual(['a', 'b']);
    await runtime.stop();
  });
});

describe('InMemoryStateStore', () => {
  it('bounds outcome records by count', () => {
    const store = new InMemoryStateStore({ retention: { maxCount: 1 } });
    const now = Date.now();
    store.commit({ writes: [], consumed: [], produced: [], outcomes: [{ requestId: 'key:a', result: { ok: 1 }, at: now }] });
    store.commit({ writes: [], consumed: [], produced: [], outcomes: [{ requestId: 'key:b', result: { ok: 2 }, at: now }] });
    expect(store.getOutcome('key:a')).toBeUndefined();
    expect(store.getOutcome('key:b')?.result).toEqual({ ok: 2 });
  });
});
