import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntityAddress, Result } from '@stateflow/ir';
import { afterEach, describe, expect, it } from 'vitest';
import { LmdbStateStore, LocalRuntime, startHttpServer, type CommitBatch, type StateStore, type StateWrite } from '../src/index.js';
import { JsHost, counterEntity, counterProgram } from './support/js-host.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sf-full-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A 4 MiB tmpfs of its own (root only), or undefined where mounting is not allowed. */
function smallDisk(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  cleanups.push(() => execFileSync('umount', ['-l', dir], { stdio: 'ignore' }));
  return dir;
}

/** Fills the file system of `dir` with one file; returns the file (remove it to free the space). */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  // Byte by byte, to the last free byte.
  try {
    for (;;) writeSync(fd, chunk, 0, 1);
  } catch {
    // full
  } finally {
    closeSync(fd);
  }
  return path;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const longName = (i: number) => `${String(i).padStart(4, '0')}-${'n'.repeat(900)}`;

describe('a full disk', () => {
  it.runIf(process.getuid?.() === 0)(
    'answers Unavailable, reports not ready, serves reads, and resumes losing nothing acknowledged once space is freed (real tmpfs)',
    async (ctx) => {
      const disk = smallDisk();
      if (!disk) return ctx.skip(); // mounting is not allowed here: the fault-injection test below covers the runtime
      const dataDir = join(disk, 'data');
      mkdirSync(dataDir);
      const start = () => LocalRuntime.start(counterProgram, { host: new JsHost({ Counter: counterEntity }), dataDir, storeProbeMs: 50 });
      const runtime = await start();
      cleanups.push(() => void runtime.stop());
      await runtime.create('Counter', ['a']);
      expect(await runtime.invoke('Counter', 'a', 'add', [1])).toEqual({ ok: 1 });

      // Leave room for a few hundred KB: some creates are acknowledged before the disk is full.
      const filler = fill(disk);
      truncateSync(filler, statSync(filler).size - 256 * 1024);
      // Distinct instances with ~1 KB states need new pages: the disk cannot take them.
      const answers: Array<{ name: string; result: Result }> = [];
      // Increments on a few hot instances go along, each with its own request id.
      const counters = ['c0', 'c1', 'c2'];
      for (const name of counters) await runtime.create('Counter', [name]);
      const adds: Array<{ counter: string; id: string; result: Result }> = [];
      for (let round = 0; round < 200 && runtime.health().ready; round++) {
        const names = Array.from({ length: 10 }, (_, i) => longName(round * 10 + i));
        const adding = Array.from({ length: 9 }, (_, i) => ({ counter: counters[i % 3]!, id: `add-${round}-${i}` }));
        const [results, added] = await Promise.all([
          Promise.all(names.map((name) => runtime.create('Counter', [name], {}, { requestId: `create-${name.slice(0, 4)}` }))),
          Promise.all(adding.map(({ counter, id }) => runtime.invoke('Counter', counter, 'add', [1], {}, { requestId: id }))),
        ]);
        results.forEach((result, i) => answers.push({ name: names[i]!, result }));
        added.forEach((result, i) => adds.push({ ...adding[i]!, result }));
      }
      const health = runtime.health();
      expect(health.ready).toBe(false);
      expect(health.reason).toMatch(/^the state store cannot commit \(.+\); is the data directory's disk full\? Writes resume once it takes them again; retry later$/);
      const refused = answers.filter(({ result }) => 'error' in result);
      if (process.env['SF_REPORT']) console.log(`answers: ${answers.length}, refused: ${refused.length}`);
      expect(refused.length).toBeGreaterThan(0);
      for (const { result } of refused) expect(result).toMatchObject({ error: { code: 'Unavailable', type: 'Unavailable' } });
      // Writes are refused at once; reads are served.
      expect(await runtime.invoke('Counter', 'a', 'add', [1])).toMatchObject({ error: { code: 'Unavailable' } });
      expect(runtime.getState('Counter', 'a')).toMatchObject({ total: 1 });

      rmSync(filler);
      await until(() => runtime.health().ready, 'the runtime to take writes again');
      await runtime.drained();
      // Every acknowledged create is there, and the refused ones can be retried with their request id.
      const acknowledged = answers.filter(({ result }) => 'ok' in result);
      expect(acknowledged.length).toBeGreaterThan(0);
      for (const { name } of acknowledged) expect(runtime.getState('Counter', name)).toMatchObject({ name });
      for (const { name } of refused) {
        const retried = await runtime.create('Counter', [name], {}, { requestId: `create-${name.slice(0, 4)}` });
        expect(retried).toEqual({ ok: { $entity: 'Counter', $key: name } });
      }
      expect(await runtime.invoke('Counter', 'a', 'add', [1])).toEqual({ ok: 2 });
      // Every increment counts exactly once: the acknowledged ones, and the refused ones once retried.
      for (const { counter, id, result } of adds) {
        if ('error' in result) expect(await runtime.invoke('Counter', counter, 'add', [1], {}, { requestId: id })).toHaveProperty('ok');
      }
      const total = counters.reduce((sum, name) => sum + (runtime.getState('Counter', name)!['total'] as number), 0);
      expect(total).toBe(adds.length);
      if (process.env['SF_REPORT']) console.log(`increments: ${adds.length}, refused at first: ${adds.filter(({ result }) => 'error' in result).length}`);
      await runtime.stop();

      // After a restart: the same, from disk, with nothing left in the queue.
      const again = await start();
      cleanups.push(() => void again.stop());
      expect(again.health()).toMatchObject({ ready: true, recovered: 0 });
      expect(again.getState('Counter', 'a')).toMatchObject({ total: 2 });
      expect(counters.reduce((sum, name) => sum + (again.getState('Counter', name)!['total'] as number), 0)).toBe(adds.length);
      for (const { name } of answers) expect(again.getState('Counter', name)).toMatchObject({ name });
      expect((again.store as LmdbStateStore).queuedCount).toBe(0);
      await again.stop();
    },
  );

  it('keeps a store that failed to commit consistent: refused until recover(), nothing of the failed commit on disk (real tmpfs)', async (ctx) => {
    const disk = smallDisk();
    if (!disk) return ctx.skip();
    const path = join(disk, 'data');
    const store = LmdbStateStore.open({ path, cacheSize: 0 });
    await store.commit({ writes: [{ address: { entity: 'E', key: 'kept' }, state: { v: 1 } }], consumed: [], produced: [], outcomes: [] });
    const filler = fill(disk);
    const big: StateWrite[] = Array.from({ length: 200 }, (_, i) => ({ address: { entity: 'E', key: longName(i) }, state: { blob: 'b'.repeat(2000) } }));
    const failed = store.commit({ writes: big, consumed: [], produced: [], outcomes: [] });
    await expect(failed).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(store.commit({ writes: [], consumed: [], produced: [], outcomes: [{ requestId: 'key:x', result: { ok: 1 }, at: Date.now() }] })).rejects.toThrow(/No space left/);
    await expect(store.recover()).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(store.get({ entity: 'E', key: longName(0) })).toBeUndefined(); // the overlay is gone too
    rmSync(filler);
    const generation = store.generation;
    await store.recover();
    expect(store.generation).toBe(generation + 1);
    expect(store.keys('E')).toEqual(['kept']);
    await store.commit({ writes: big.slice(0, 10), consumed: [], produced: [], outcomes: [] });
    expect(store.keys('E')).toHaveLength(11);
    await store.close();
  });
});

/** An LMDB store whose commits fail with ENOSPC while `full` is set (for machines where no tmpfs can be mounted). */
class FullDiskStore implements StateStore {
  readonly durable = true;
  full = false;
  failedCommits = 0;
  constructor(readonly inner: LmdbStateStore) {}
  get generation() {
    return this.inner.generation;
  }
  get(address: EntityAddress) {
    return this.inner.get(address);
  }
  commit(batch: CommitBatch): Promise<void> {
    if (!this.full) return this.inner.commit(batch);
    this.failedCommits++;
    return Promise.reject(Object.assign(new Error('No space left on device'), { code: 'ENOSPC' }));
  }
  keys(entity: string) {
    return this.inner.keys(entity);
  }
  entries(entity: string) {
    return this.inner.entries(entity);
  }
  putMany(writes: readonly StateWrite[], options?: { replaceEntity?: string }) {
    return this.inner.putMany(writes, options);
  }
  getOutcome(requestId: string) {
    return this.inner.getOutcome(requestId);
  }
  pendingEvents() {
    return this.inner.pendingEvents();
  }
  async recover(): Promise<void> {
    if (this.full) throw Object.assign(new Error('No space left on device'), { code: 'ENOSPC' });
  }
  close() {
    return this.inner.close();
  }
}

describe('a store that cannot commit (fault injection)', () => {
  it('reads the last durable state after a failed commit, also when that commit had replaced a state still in flight', async () => {
    const store = LmdbStateStore.open({ path: tempDir() });
    const a = { entity: 'E', key: 'a' };
    await store.commit({ writes: [{ address: a, state: { v: 0 } }], consumed: [], produced: [], outcomes: [] }); // cached
    const first = store.commit({ writes: [{ address: a, state: { v: 1 } }], consumed: [], produced: [], outcomes: [] });
    // Merged into the next transaction while the first is in flight; lmdb-js refuses its
    // over-long key, so that transaction fails as a full disk would make it.
    const tooLong = { entity: 'E'.repeat(1500), key: 'k'.repeat(1000) };
    const second = store.commit({ writes: [{ address: a, state: { v: 2 } }, { address: tooLong, state: {} }], consumed: [], produced: [], outcomes: [] });
    await first;
    await expect(second).rejects.toThrow();
    expect(store.get(a)).toEqual({ v: 1 });
    await store.recover();
    expect(store.get(a)).toEqual({ v: 1 });
    await store.commit({ writes: [{ address: a, state: { v: 3 } }], consumed: [], produced: [], outcomes: [] });
    expect(store.get(a)).toEqual({ v: 3 });
    await store.close();
  });

  it('answers 503 Unavailable over HTTP, reports /health not ready, serves reads, and recovers with the durable queue intact', async () => {
    const store = new FullDiskStore(LmdbStateStore.open({ path: tempDir() }));
    const host = new JsHost({ Counter: counterEntity });
    const runtime = await LocalRuntime.start(counterProgram, { host, store, storeProbeMs: 20 });
    const server = await startHttpServer(runtime, { port: 0, host: '127.0.0.1' });
    cleanups.push(() => void server.close().then(() => runtime.stop()).then(() => store.close()));
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/Counter', { args: ['a'] })).status).toBe(201);
    expect((await post('/Counter/a/add', { args: [5] })).status).toBe(200);

    // A create is two hops: Construct, then Insert from the durable queue. Hold the host
    // so the disk fills while the Insert waits in the queue.
    host.hold();
    const creating = post('/Counter', { args: ['b'] });
    await until(() => host.waiting === 1, 'the Construct batch');
    host.step();
    await until(() => host.waiting === 1 && store.inner.queuedCount === 1, 'the Insert to be queued durably');
    store.full = true;
    host.open();
    const refused = await creating;
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: { type: 'Unavailable', message: expect.stringMatching(/^the state store could not commit \(No space left on device\); nothing of this request was saved, retry later$/) } });
    await until(() => !runtime.health().ready, 'not ready');
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ready: false, reason: "the state store cannot commit (No space left on device); is the data directory's disk full? Writes resume once it takes them again; retry later" });
    const write = await post('/Counter/a/add', { args: [1] });
    expect(write.status).toBe(503);
    expect((await write.json()).error.type).toBe('Unavailable');
    const read = await fetch(`${server.url}/Counter/a`);
    expect(read.status).toBe(200);
    expect((await read.json()).state).toMatchObject({ total: 5 });
    expect(store.inner.queuedCount).toBe(1); // the Insert is still on disk

    store.full = false;
    await until(() => runtime.health().ready, 'ready again');
    await runtime.drained();
    // The queued Insert ran after recovery: the refused create took effect after all.
    expect(runtime.getState('Counter', 'b')).toMatchObject({ name: 'b', total: 0 });
    expect(store.inner.queuedCount).toBe(0);
    expect((await post('/Counter/a/add', { args: [1] })).status).toBe(200);
    expect(runtime.getState('Counter', 'a')).toMatchObject({ total: 6 });
    expect(store.failedCommits).toBeGreaterThan(0);
  });
});
