import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EncodedValue, Event, InvokeEvent, Program, Result } from '@stateflow/ir';
import { createPythonHost, type HostRequest, type HostResult, type PythonHost, type PythonHostOptions } from '@stateflow/python-host';
import { LmdbStateStore, LocalRuntime, type LocalRuntimeOptions } from '../src/index.js';

// Detached resume blocks on the embedded runtime (`resumeDetached`, on by default): a
// caller's block that needs no instance (the `return True` after `to.deposit(x)`) runs
// where the callee ran, and the request is answered from there. The runtime keeps
// outcomes and waiting callers by request id, not by instance, so such an answer is
// delivered and recorded like any other.

const transfers = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/transfers.ir.json', import.meta.url)), 'utf8')) as Program;
const account = (key: string) => ({ $entity: 'Account', $key: key });

/** Events the host ran so far (every kind, those run inside a worker's round trip too): the hops. */
function hops(runtime: LocalRuntime): number {
  const events = runtime.metrics.events;
  return ['Construct', 'Insert', 'Invoke', 'Read', 'Reply', 'local'].reduce((sum, kind) => sum + events.get({ kind }), 0);
}

/** One call, with the hops it took (calls run one at a time, so the difference is its own). */
async function measured(runtime: LocalRuntime, call: () => Promise<Result>): Promise<{ result: Result; hops: number }> {
  const before = hops(runtime);
  const result = await call();
  await runtime.drained();
  return { result, hops: hops(runtime) - before };
}

/** Transfers of every kind, one at a time: their answers, hops, and the final states. */
async function transferRun(host: PythonHost, options: Partial<LocalRuntimeOptions>) {
  const runtime = await LocalRuntime.start(transfers, { host, ...options });
  try {
    for (const [name, balance] of [['ann', 100], ['bob', 0], ['cy', 0]] as const) await runtime.create('Account', [name, balance]);
    await runtime.create('Teller', ['tess']);
    const calls: Array<[string, () => Promise<Result>]> = [
      ['transfer', () => runtime.invoke('Account', 'ann', 'transfer', [account('bob'), 30])],
      ['transfer refused', () => runtime.invoke('Account', 'ann', 'transfer', [account('bob'), 1000])],
      ['transfer_and_report', () => runtime.invoke('Account', 'bob', 'transfer_and_report', [account('cy'), 10])],
      ['pay (two detached frames)', () => runtime.invoke('Teller', 'tess', 'pay', [account('ann'), account('cy'), 5])],
      ['deposit raises', () => runtime.invoke('Account', 'ann', 'transfer', [account('cy'), -5])],
    ];
    const answers: Record<string, { result: Result; hops: number }> = {};
    for (const [name, call] of calls) answers[name] = await measured(runtime, call);
    const states = Object.fromEntries(
      ['ann', 'bob', 'cy'].map((k) => [k, runtime.getState('Account', k)] as const).concat([['tess', runtime.getState('Teller', 'tess')]]),
    );
    return { answers, states, detached: runtime.metrics.detachedResponses.value, queue: runtime.store.pendingEvents() };
  } finally {
    await runtime.stop();
  }
}

describe.each([
  ['subprocess (2 workers, local routing)', { kind: 'subprocess', workers: 2 }, {}],
  ['subprocess (1 worker, no local routing)', { kind: 'subprocess', workers: 1 }, { localRouting: false }],
  ['pyodide (in this thread)', { kind: 'pyodide' }, {}],
] as const)('resumeDetached on the %s host', (_, hostOptions, runtimeOptions) => {
  let host: PythonHost;
  beforeAll(async () => {
    host = await createPythonHost({ ...(hostOptions as PythonHostOptions), stderr: 'capture' });
  }, 120_000);
  afterAll(async () => {
    await host?.close();
  });

  it('answers a transfer in one hop fewer (two fewer through two detached frames), with the same answers and states', async () => {
    // Default: on. The same host is loaded again for each runtime, with its options.
    const on = await transferRun(host, { ...runtimeOptions });
    const off = await transferRun(host, { ...runtimeOptions, resumeDetached: false });

    expect(on.answers['transfer']!.result).toEqual({ ok: true });
    expect(on.answers['transfer refused']!.result).toEqual({ ok: false });
    expect(on.answers['transfer_and_report']!.result).toEqual({ ok: 20 });
    expect(on.answers['pay (two detached frames)']!.result).toEqual({ ok: true });
    expect(on.answers['deposit raises']!.result).toMatchObject({ error: { type: 'ValueError', message: 'a deposit must be positive, got -5' } });
    for (const name of Object.keys(off.answers)) expect(on.answers[name]!.result, name).toEqual(off.answers[name]!.result);
    expect(on.states).toEqual(off.states);
    expect(on.states['ann']).toEqual({ name: 'ann', balance: 70 }); // 100 − 30 − 5 + 5 (the failed transfer's debit of −5)
    expect(on.states['cy']).toEqual({ name: 'cy', balance: 15 });

    const hopsOf = (run: typeof on) => Object.fromEntries(Object.entries(run.answers).map(([name, a]) => [name, a.hops]));
    expect(hopsOf(off)).toEqual({
      transfer: 3, // ann, bob, Reply to ann
      'transfer refused': 1,
      transfer_and_report: 3,
      'pay (two detached frames)': 5, // tess, ann, cy, Reply to ann, Reply to tess
      'deposit raises': 3,
    });
    expect(hopsOf(on)).toEqual({
      transfer: 2, // ann, bob (which runs ann's `return True` and answers)
      'transfer refused': 1,
      transfer_and_report: 3, // its block after the call reads self.balance: not detached
      'pay (two detached frames)': 3, // tess, ann, cy
      'deposit raises': 3, // an error goes back frame by frame, as without the option
    });
    expect(on.detached).toBe(2);
    expect(off.detached).toBe(0);
    expect(on.queue).toEqual([]);
  }, 120_000);
});

describe('retries of a transfer answered at the callee (subprocess host, 2 workers)', () => {
  let host: PythonHost;
  const dirs: string[] = [];
  beforeAll(async () => {
    host = await createPythonHost({ kind: 'subprocess', workers: 2, stderr: 'capture' });
  }, 120_000);
  afterAll(async () => {
    await host?.close();
  });
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-detached-'));
    dirs.push(dir);
    return dir;
  };

  it('get the stored answer with the same idempotency key, joined or finished, also after a restart', async () => {
    const dataDir = tempDir();
    const first = await LocalRuntime.start(transfers, { host, dataDir });
    await first.create('Account', ['ann', 100]);
    await first.create('Account', ['bob', 0]);
    const transfer = () => first.invoke('Account', 'ann', 'transfer', [account('bob'), 30], {}, { requestId: 'pay-bob-1' });
    // Three at once: one runs, the others join it.
    expect(await Promise.all([transfer(), transfer(), transfer()])).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(first.metrics.detachedResponses.value).toBe(1);
    const before = hops(first);
    expect(await transfer()).toEqual({ ok: true });
    expect(hops(first)).toBe(before); // answered from the record, nothing ran
    expect(first.metrics.idempotentHits.get()).toBe(3);
    expect(await first.invoke('Account', 'ann', 'transfer', [account('bob'), 31], {}, { requestId: 'pay-bob-1' })).toMatchObject({
      error: { code: 'IdempotencyKeyReused' },
    });
    await first.stop();

    const again = await LocalRuntime.start(transfers, { host, dataDir });
    try {
      expect(await again.invoke('Account', 'ann', 'transfer', [account('bob'), 30], {}, { requestId: 'pay-bob-1' })).toEqual({ ok: true });
      expect(hops(again)).toBe(0);
      expect(again.getState('Account', 'ann')).toEqual({ name: 'ann', balance: 70 });
      expect(again.getState('Account', 'bob')).toEqual({ name: 'bob', balance: 30 });
    } finally {
      await again.stop();
    }
  }, 60_000);

  it.each([
    ['on', true, 1],
    ['off', false, 2],
  ] as const)('a transfer cut short by a crash resumes from the durable queue and is answered once (resumeDetached %s)', async (_, resumeDetached, resumedHops) => {
    // The deposit hop as the kernel sends it: caught from a run on the same program.
    const deposit = await firstDeposit(host);
    const dataDir = tempDir();
    const store = LmdbStateStore.open({ path: dataDir });
    // On disk at the crash: ann's hop committed (debited, the deposit queued), bob's not run.
    await store.putMany([
      { address: { entity: 'Account', key: 'ann' }, state: { name: 'ann', balance: 70 } },
      { address: { entity: 'Account', key: 'bob' }, state: { name: 'bob', balance: 0 } },
    ]);
    await store.commit({ writes: [], consumed: [], produced: [{ ...deposit, requestId: 'key:crashed' }], outcomes: [] });
    await store.close();

    const runtime = await LocalRuntime.start(transfers, { host, dataDir, resumeDetached });
    try {
      expect(runtime.health().recovered).toBe(1);
      // The retry joins the resumed request (or finds its outcome).
      expect(await runtime.invoke('Account', 'ann', 'transfer', [account('bob'), 30], {}, { requestId: 'crashed' })).toEqual({ ok: true });
      await runtime.drained();
      expect(hops(runtime)).toBe(resumedHops);
      expect(runtime.metrics.detachedResponses.value).toBe(resumeDetached ? 1 : 0);
      expect(runtime.store.pendingEvents()).toEqual([]);
      expect(runtime.store.getOutcome('key:crashed')?.result).toEqual({ ok: true });
      expect(runtime.getState('Account', 'ann')).toEqual({ name: 'ann', balance: 70 });
      expect(runtime.getState('Account', 'bob')).toEqual({ name: 'bob', balance: 30 });
      const before = hops(runtime);
      expect(await runtime.invoke('Account', 'ann', 'transfer', [account('bob'), 30], {}, { requestId: 'crashed' })).toEqual({ ok: true });
      expect(hops(runtime)).toBe(before);
    } finally {
      await runtime.stop();
    }
  }, 60_000);
});

/** Records what the host returns, without local routing (every event goes through `process`). */
class CatchingHost implements PythonHost {
  readonly out: Event[] = [];
  constructor(private readonly inner: PythonHost) {}
  get kind() {
    return this.inner.kind;
  }
  load(...args: Parameters<PythonHost['load']>) {
    return this.inner.load(...args);
  }
  async process(batch: HostRequest[]): Promise<HostResult[]> {
    const results = await this.inner.process(batch);
    for (const r of results) this.out.push(...r.out);
    return results;
  }
  close() {
    return Promise.resolve();
  }
}

/** The `deposit` Invoke ann's transfer of 30 to bob sends (with ann's frame on its stack). */
async function firstDeposit(inner: PythonHost): Promise<InvokeEvent> {
  const host = new CatchingHost(inner);
  const runtime = await LocalRuntime.start(transfers, { host });
  try {
    await runtime.create('Account', ['ann', 100]);
    await runtime.create('Account', ['bob', 0]);
    expect(await runtime.invoke('Account', 'ann', 'transfer', [account('bob'), 30])).toEqual({ ok: true });
  } finally {
    await runtime.stop();
  }
  const deposit = host.out.find((e): e is InvokeEvent => e.kind === 'Invoke' && e.method === 'deposit');
  expect(deposit?.stack).toMatchObject([{ entity: 'Account', key: 'ann', method: 'transfer', resume: 'b1' }]);
  expect(deposit!.args as EncodedValue[]).toEqual([30]);
  return { ...deposit!, seq: 1 };
}
