import { afterEach, describe, expect, it, vi } from 'vitest';
import { PythonHostError } from '@stateflow/python-host';
import { LocalRuntime } from '../src/index.js';
import { JsHost, counterEntity, counterProgram } from './support/js-host.js';

// How the batch loop handles a batch the host fails as a whole, with a host that does
// not isolate events itself (the Python hosts do; this is the loop's own defence).

const runtimes: LocalRuntime[] = [];

async function start() {
  const host = new JsHost({ Counter: counterEntity });
  const runtime = await LocalRuntime.start(counterProgram, { host });
  runtimes.push(runtime);
  return { runtime, host };
}

afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.stop();
});

const isPoison = (r: { event: { kind: string } & Partial<{ args: unknown[] }> }) => r.event.kind === 'Invoke' && r.event.args?.[0] === 666;

describe('a batch that fails as a whole', () => {
  it('is re-run event by event: only the event at fault fails, the other clients get their answers', async () => {
    const { runtime, host } = await start();
    for (const k of ['a', 'b', 'c']) await runtime.create('Counter', [k]);
    host.poisoned = isPoison;
    host.batches.length = 0;
    const [a, poison, b, aAgain, c] = await Promise.all([
      runtime.invoke('Counter', 'a', 'add', [1]),
      runtime.invoke('Counter', 'b', 'add', [666]),
      runtime.invoke('Counter', 'b', 'add', [2]),
      runtime.invoke('Counter', 'a', 'add', [10]),
      runtime.invoke('Counter', 'c', 'add', [3]),
    ]);
    // They did share a batch (then each ran alone).
    expect(host.batches[0]!.length).toBe(5);
    expect(host.batches.slice(1).every((batch) => batch.length === 1)).toBe(true);
    expect(poison).toMatchObject({ error: { code: 'Internal' } });
    expect('error' in poison && poison.error.message).toContain('the Python host failed to run this event: the batch held a poisoned event');
    expect([a, b, aAgain, c]).toEqual([{ ok: 1 }, { ok: 2 }, { ok: 11 }, { ok: 3 }]);
    // The chained event of b ran on the state the failed one left: unchanged.
    expect(runtime.getState('Counter', 'b')).toEqual({ name: 'b', total: 2, log: [2] });
    expect(runtime.health().ready).toBe(true);
  });

  it('commits nothing, answers the callers and reports not ready when the host is down', async () => {
    const { runtime, host } = await start();
    await runtime.create('Counter', ['a']);
    host.failWith = new PythonHostError('PythonNotFound', 'cannot start /usr/bin/python3: gone');
    const failed = await runtime.invoke('Counter', 'a', 'add', [1]);
    expect(failed).toMatchObject({ error: { code: 'Unavailable' } });
    expect('error' in failed && failed.error.message).toContain('the js-test Python host cannot run events: cannot start /usr/bin/python3: gone');
    const health = runtime.health();
    expect(health.ready).toBe(false);
    expect(health.reason).toContain('cannot run events');
    expect(health.reason).toContain('restart the server');
    expect(await runtime.invoke('Counter', 'a', 'add', [1])).toMatchObject({ error: { code: 'Unavailable' } });
    expect(runtime.getState('Counter', 'a')?.['total']).toBe(0);
  });
});

describe('health', () => {
  it('is not ready while the host reports no working worker', async () => {
    const { runtime, host } = await start();
    let down: string | undefined = 'no Python worker is running (being restarted after: killed)';
    Object.assign(host, { unavailable: () => down });
    expect(runtime.health()).toMatchObject({ ready: false, reason: 'no Python worker is running (being restarted after: killed)' });
    down = undefined;
    expect(runtime.health()).toMatchObject({ ready: true });
  });
});

describe('stop', () => {
  it('closes an owned host whose batch is still running after the grace period, and answers its caller', async () => {
    const host = new JsHost({ Counter: counterEntity });
    const runtime = await LocalRuntime.start(counterProgram, { host, closeHostOnStop: true });
    await runtime.create('Counter', ['a']);
    host.hold();
    const stuck = runtime.invoke('Counter', 'a', 'add', [1]);
    await until(() => host.waiting === 1);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const stopping = runtime.stop();
      await vi.advanceTimersByTimeAsync(9_000);
      expect(host.closed).toBe(false);
      await vi.advanceTimersByTimeAsync(1_000);
      await stopping;
    } finally {
      vi.useRealTimers();
    }
    expect(host.closed).toBe(true);
    // Nothing of it was committed: retrying once the server is back is safe.
    expect(await stuck).toMatchObject({ error: { code: 'Unavailable' } });
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}
