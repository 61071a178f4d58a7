import { afterEach, describe, expect, it } from 'vitest';
import type { HostRequest } from '@stateflow/python-host';
import { LocalRuntime } from '../src/index.js';
import { JsHost, counterEntity, counterProgram } from './support/js-host.js';

const runtimes: LocalRuntime[] = [];

async function start(host = new JsHost({ Counter: counterEntity })) {
  const runtime = await LocalRuntime.start(counterProgram, { host });
  runtimes.push(runtime);
  return { runtime, host };
}

afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.stop();
});

const targetOf = (r: HostRequest) => ('target' in r.event ? `${r.event.target.entity}/${r.event.target.key}` : null);

describe('LocalRuntime', () => {
  it('loads the program into the host', async () => {
    const { host } = await start();
    expect(host.loaded).toBe(counterProgram);
  });

  it('creates an instance through Construct and Insert and returns a reference', async () => {
    const { runtime, host } = await start();
    expect(await runtime.create('Counter', ['a'])).toEqual({ ok: { $entity: 'Counter', $key: 'a' } });
    expect(runtime.getState('Counter', 'a')).toEqual({ name: 'a', total: 0, log: [] });
    expect(host.batches.map((b) => b.map((r) => r.event.kind))).toEqual([['Construct'], ['Insert']]);
    expect(runtime.keys('Counter')).toEqual(['a']);
  });

  it('reports EntityExists and keeps the first instance when a key is created twice', async () => {
    const { runtime } = await start();
    await runtime.create('Counter', ['a']);
    await runtime.invoke('Counter', 'a', 'add', [5]);
    const again = await runtime.create('Counter', ['a']);
    expect(again).toMatchObject({ error: { code: 'EntityExists' } });
    expect(runtime.getState('Counter', 'a')?.['total']).toBe(5);
  });

  it('invokes a method and replaces the state with the returned one', async () => {
    const { runtime } = await start();
    await runtime.create('Counter', ['a']);
    expect(await runtime.invoke('Counter', 'a', 'add', [3])).toEqual({ ok: 3 });
    expect(await runtime.invoke('Counter', 'a', 'total')).toEqual({ ok: 3 });
  });

  it('processes the events of one instance in arrival order', async () => {
    const { runtime } = await start();
    await runtime.create('Counter', ['a']);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => runtime.invoke('Counter', 'a', 'add', [i])));
    expect(runtime.getState('Counter', 'a')?.['log']).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // Each call saw the state left by the previous one.
    expect(results.map((r) => ('ok' in r ? r.ok : null))).toEqual(
      Array.from({ length: 30 }, (_, i) => (i * (i + 1)) / 2),
    );
  });

  it('puts one event per instance in a batch with maxEventsPerInstance 1, and batches different instances together', async () => {
    const host = new JsHost({ Counter: counterEntity });
    const runtime = await LocalRuntime.start(counterProgram, { host, maxEventsPerInstance: 1 });
    runtimes.push(runtime);
    await Promise.all(['a', 'b', 'c'].map((k) => runtime.create('Counter', [k])));
    host.batches.length = 0;
    const calls = [];
    for (let i = 0; i < 5; i++) for (const k of ['a', 'b', 'c']) calls.push(runtime.invoke('Counter', k, 'add', [1]));
    await Promise.all(calls);
    for (const batch of host.batches) {
      const targets = batch.map(targetOf);
      expect(new Set(targets).size).toBe(targets.length);
    }
    expect(host.batches[0]!.map(targetOf)).toEqual(['Counter/a', 'Counter/b', 'Counter/c']);
    expect(host.batches).toHaveLength(5);
  });

  it('runs several events of one instance in one batch, in arrival order, chained on the state each leaves', async () => {
    const { runtime, host } = await start();
    await Promise.all(['a', 'b'].map((k) => runtime.create('Counter', [k])));
    host.batches.length = 0;
    const calls = [];
    for (let i = 1; i <= 3; i++) for (const k of ['a', 'b']) calls.push(runtime.invoke('Counter', k, 'add', [i]));
    expect(await Promise.all(calls)).toEqual([{ ok: 1 }, { ok: 1 }, { ok: 3 }, { ok: 3 }, { ok: 6 }, { ok: 6 }]);
    expect(host.batches).toHaveLength(1);
    const batch = host.batches[0]!;
    // An instance's events are next to each other; only the first carries the state.
    expect(batch.map(targetOf)).toEqual(['Counter/a', 'Counter/a', 'Counter/a', 'Counter/b', 'Counter/b', 'Counter/b']);
    expect(batch.map((r) => r.chained === true)).toEqual([false, true, true, false, true, true]);
    expect(batch[0]!.state?.['total']).toBe(0);
    expect(runtime.getState('Counter', 'a')?.['log']).toEqual([1, 2, 3]);
    expect(runtime.getState('Counter', 'b')?.['log']).toEqual([1, 2, 3]);
  });

  it('takes at most maxEventsPerInstance events of one instance into a batch', async () => {
    const host = new JsHost({ Counter: counterEntity });
    const runtime = await LocalRuntime.start(counterProgram, { host, maxEventsPerInstance: 2 });
    runtimes.push(runtime);
    await runtime.create('Counter', ['a']);
    host.batches.length = 0;
    await Promise.all(Array.from({ length: 5 }, (_, i) => runtime.invoke('Counter', 'a', 'add', [i])));
    expect(host.batches.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(runtime.getState('Counter', 'a')?.['log']).toEqual([0, 1, 2, 3, 4]);
  });

  it('holds further events of a busy instance until its event completes', async () => {
    const { runtime, host } = await start();
    await runtime.create('Counter', ['a']);
    await runtime.create('Counter', ['b']);
    host.batches.length = 0;
    host.hold();
    const first = runtime.invoke('Counter', 'a', 'add', [1]);
    await until(() => host.waiting === 1);
    // While 'a' is in flight, a second event for 'a' waits; one for 'b' also waits for the batch in flight.
    const second = runtime.invoke('Counter', 'a', 'add', [2]);
    const other = runtime.invoke('Counter', 'b', 'add', [7]);
    await flush();
    expect(host.batches).toHaveLength(1);
    host.step();
    await until(() => host.waiting === 1);
    expect(host.batches[1]!.map(targetOf)).toEqual(['Counter/a', 'Counter/b']);
    expect(host.batches[1]![0]!.state?.['total']).toBe(1);
    host.open();
    expect(await Promise.all([first, second, other])).toEqual([{ ok: 1 }, { ok: 3 }, { ok: 7 }]);
  });

  it('runs batches for different instances concurrently when allowed', async () => {
    const host = new JsHost({ Counter: counterEntity });
    const runtime = await LocalRuntime.start(counterProgram, { host, maxConcurrentBatches: 2, maxBatchSize: 1 });
    runtimes.push(runtime);
    await runtime.create('Counter', ['a']);
    await runtime.create('Counter', ['b']);
    host.hold();
    const calls = [runtime.invoke('Counter', 'a', 'add', [1]), runtime.invoke('Counter', 'b', 'add', [2])];
    await until(() => host.waiting === 2);
    host.open();
    expect(await Promise.all(calls)).toEqual([{ ok: 1 }, { ok: 2 }]);
  });

  it('leaves the state unchanged and returns the exception when a method raises', async () => {
    const { runtime } = await start();
    await runtime.create('Counter', ['a']);
    await runtime.invoke('Counter', 'a', 'add', [4]);
    const before = runtime.getState('Counter', 'a');
    expect(await runtime.invoke('Counter', 'a', 'fail')).toEqual({
      error: { type: 'ValueError', message: 'counter a refuses' },
    });
    expect(runtime.getState('Counter', 'a')).toEqual(before);
  });

  it('rejects an unknown entity class without calling the host', async () => {
    const { runtime, host } = await start();
    const result = await runtime.invoke('Nope', 'a', 'add', [1]);
    expect(result).toMatchObject({ error: { code: 'UnknownEntity', type: 'UnknownEntity' } });
    expect('error' in result && result.error.message).toContain('Counter');
    expect(await runtime.create('Nope')).toMatchObject({ error: { code: 'UnknownEntity' } });
    expect(host.batches).toEqual([]);
  });

  it('rejects unknown and private methods without calling the host', async () => {
    const { runtime, host } = await start();
    const unknown = await runtime.invoke('Counter', 'a', 'nope');
    expect(unknown).toMatchObject({ error: { code: 'UnknownMethod' } });
    expect('error' in unknown && unknown.error.message).toContain('add, total');
    const hidden = await runtime.invoke('Counter', 'a', '_secret');
    expect(hidden).toMatchObject({ error: { code: 'UnknownMethod' } });
    expect('error' in hidden && hidden.error.message).toContain('private');
    expect(await runtime.invoke('Counter', 'a', '__key__')).toMatchObject({ error: { code: 'UnknownMethod' } });
    expect(host.batches).toEqual([]);
  });

  it('rejects arguments of the wrong shape', async () => {
    const { runtime } = await start();
    const bad = await runtime.invoke('Counter', 'a', 'add', 'x' as never);
    expect(bad).toMatchObject({ error: { code: 'BadArguments' } });
    expect(await runtime.create('Counter', [], [] as never)).toMatchObject({ error: { code: 'BadArguments' } });
  });

  it('passes errors of the host through (missing instance, bad arguments)', async () => {
    const { runtime } = await start();
    expect(await runtime.invoke('Counter', 'ghost', 'add', [1])).toMatchObject({ error: { code: 'EntityNotFound' } });
    await runtime.create('Counter', ['a']);
    expect(await runtime.invoke('Counter', 'a', 'add', [])).toMatchObject({ error: { code: 'BadArguments' } });
  });

  it('fails the requests of a batch with Internal when the host crashes, and keeps going', async () => {
    const { runtime, host } = await start();
    await runtime.create('Counter', ['a']);
    host.failWith = new Error('interpreter died');
    const failed = await runtime.invoke('Counter', 'a', 'add', [1]);
    expect(failed).toMatchObject({ error: { code: 'Internal' } });
    expect('error' in failed && failed.error.message).toContain('interpreter died');
    host.failWith = undefined;
    expect(await runtime.invoke('Counter', 'a', 'add', [1])).toEqual({ ok: 1 });
  });

  it('answers requests still queued at stop with an Internal error', async () => {
    const { runtime, host } = await start();
    await runtime.create('Counter', ['a']);
    host.hold();
    const inFlight = runtime.invoke('Counter', 'a', 'add', [1]);
    await until(() => host.waiting === 1);
    const queued = runtime.invoke('Counter', 'a', 'add', [2]);
    const stopping = runtime.stop();
    host.open();
    await stopping;
    expect(await inFlight).toEqual({ ok: 1 });
    expect(await queued).toMatchObject({ error: { code: 'Internal' } });
    expect(await runtime.invoke('Counter', 'a', 'add', [1])).toMatchObject({ error: { code: 'Internal' } });
    expect(host.closed).toBe(false);
  });

  it('closes the host on stop when asked to', async () => {
    const host = new JsHost({ Counter: counterEntity });
    const runtime = await LocalRuntime.start(counterProgram, { host, closeHostOnStop: true });
    await runtime.stop();
    expect(host.closed).toBe(true);
  });
});

/** Lets pending microtasks and timers of the runtime run. */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await flush();
  if (!condition()) throw new Error('condition not reached');
}

describe('LocalRuntime.start', () => {
  it('refuses a program that is not valid IR, with SF4xxx diagnostics', async () => {
    const host = new JsHost({});
    const bad = { ...counterProgram, irVersion: '9.0.0' };
    await expect(LocalRuntime.start(bad, { host })).rejects.toMatchObject({
      name: 'InvalidProgramError',
      diagnostics: [expect.objectContaining({ code: 'SF4001' })],
    });
    expect(host.loaded).toBeUndefined();
  });
});
