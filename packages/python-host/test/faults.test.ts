import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EncodedValue, EntityState, ErrorValue, Event, Frame } from '@stateflow/ir';
import { createPythonHost, failedResult, type HostResult, type PythonHost, type PythonHostOptions } from '../src/index.js';
import { resolvePython } from '../src/find-python.js';
import { KernelProcess } from '../src/kernel-process.js';
import { SubprocessHost } from '../src/subprocess-host.js';
import { Router, shopProgram, simpleProgram } from './support/router.js';

/** A list nested `depth` levels deep: `[[[...]]]`. */
function nested(depth: number): EncodedValue {
  let value: EncodedValue = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

const ITEM = { $entity: 'Item', $key: 'coke' };

function resultOf(result: HostResult | undefined): unknown {
  const out = result?.out[0];
  return out && (out.kind === 'Response' || out.kind === 'Reply') ? out.result : undefined;
}

function errorOf(result: HostResult | undefined): ErrorValue {
  const value = resultOf(result) as { error?: ErrorValue } | undefined;
  if (!value?.error) throw new Error(`expected an error result, got ${JSON.stringify(value)}`);
  return value.error;
}

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe.each([
  ['pyodide (in this thread)', { kind: 'pyodide' }],
  ['pyodide (2 worker threads)', { kind: 'pyodide', workers: 2 }],
  ['subprocess (2 workers)', { kind: 'subprocess', workers: 2 }],
] as const)('a value nested too deeply on the %s host', (_, options) => {
  let host: PythonHost;
  let r: Router;

  beforeAll(async () => {
    host = await createPythonHost({ ...(options as PythonHostOptions), stderr: 'capture' });
    await host.load(shopProgram());
    r = new Router(host);
    expect((await r.create('Item', 'coke', 3)).result).toEqual({ ok: ITEM });
    await r.call('Item', 'coke', 'update_stock', 100);
    for (const u of ['u0', 'u1', 'u2', 'u3', 'u4']) await r.create('User', u);
  });
  afterAll(async () => {
    await host.close();
  });

  it('fails only the events carrying a list 1,000 or 6,000 deep; the other events of the batch run', async () => {
    const state = (key: string): EntityState => r.state('User', key)!;
    const results = await host.process([
      { event: r.invoke('User', 'u0', 'update_balance', nested(1000)), state: state('u0') },
      { event: r.invoke('User', 'u1', 'update_balance', 5), state: state('u1') },
      { event: r.invoke('User', 'u2', 'update_balance', nested(6000)), state: state('u2') },
      // The next event of the same instance runs on the state the failed one left (unchanged).
      { event: r.invoke('User', 'u2', 'update_balance', 2), state: null, chained: true },
      { event: r.invoke('User', 'u3', 'update_balance', 7), state: state('u3') },
    ]);
    expect(results).toHaveLength(5);
    for (const i of [0, 2]) expect(results[i]!.state).toBeUndefined();
    // 1,000 deep: the kernel refuses the argument (BadArguments, its request-value check)
    // where it can read the batch (Pyodide); CPython's json cannot, so the batch fails as
    // a whole and the event fails alone (EncodingError).
    expect(errorOf(results[0]).code).toBe(options.kind === 'subprocess' ? 'EncodingError' : 'BadArguments');
    expect(errorOf(results[0]).message).toMatch(/nested too deeply|nest/);
    // 6,000 deep: a value Node cannot encode is caught before the kernel, on every host.
    expect(errorOf(results[2]).code).toBe('EncodingError');
    expect(errorOf(results[2]).message).toContain('nested too deeply');
    expect(resultOf(results[1])).toEqual({ ok: null });
    expect(results[1]!.state).toMatchObject({ balance: 6 });
    expect(results[3]!.state).toMatchObject({ balance: 3 });
    expect(results[4]!.state).toMatchObject({ balance: 8 });
    // No worker was restarted for a value.
    expect(host.restarts ?? 0).toBe(0);
    expect(host.unavailable?.()).toBeUndefined();
  });

  it("sends the error of a hop whose value cannot be encoded to the frame waiting for it, as the kernel's fail does", async () => {
    const frame: Frame = { entity: 'User', key: 'u4', method: 'buy_item', resume: 'b2', resultVar: '__sf_t1', env: { total_price: 3, item: ITEM } };
    const event: Event = { ...r.invoke('Item', 'coke', 'update_stock', nested(6000)), stack: [frame] };
    const [result] = await host.process([{ event, state: r.state('Item', 'coke')! }]);
    expect(result!.state).toBeUndefined();
    expect(result!.out).toMatchObject([
      { kind: 'Reply', target: { entity: 'User', key: 'u4' }, frame, seq: event.seq + 1, result: { error: { code: 'EncodingError' } } },
    ]);
    // The frame resumes with the error: buy_item has no try, so it goes on to the client.
    const [resumed] = await host.process([{ event: result!.out[0]!, state: r.state('User', 'u4')! }]);
    expect(resumed!.out).toMatchObject([{ kind: 'Response', result: { error: { code: 'EncodingError' } } }]);
  });
});

describe('failedResult', () => {
  it('builds what the kernel fail frame answers (frames of the target instance skipped)', async () => {
    const proc = new KernelProcess(resolvePython(), 0, 'capture');
    try {
      expect((await proc.request({ kind: 'load', program: shopProgram() })).ok).toBe(true);
      const r = new Router(undefined as unknown as PythonHost);
      const frame = (entity: string, key: string): Frame => ({ entity, key, method: 'buy_item', resume: 'b1', resultVar: 't', env: { a: 1 } });
      const events: Event[] = [
        r.invoke('Item', 'coke', 'update_stock', 1),
        { ...r.invoke('Item', 'coke', 'update_stock', 1), stack: [frame('User', 'a'), frame('User', 'b')] },
        { ...r.invoke('User', 'b', 'update_balance', 1), stack: [frame('User', 'a'), frame('User', 'b'), frame('User', 'b')] },
        { ...r.invoke('User', 'a', 'update_balance', 1), stack: [frame('User', 'a')] },
        r.construct('User', 'x'),
        { kind: 'Reply', ...r.base(), seq: 4, target: { entity: 'User', key: 'a' }, frame: frame('User', 'a'), result: { ok: 1 }, stack: [frame('Item', 'c')] },
      ];
      const error: ErrorValue = { type: 'Internal', code: 'Internal', message: 'gone' };
      const answer = await proc.request({ kind: 'fail', requests: events.map((event) => ({ event, error })) });
      expect(events.map((event) => failedResult(event, error))).toEqual(answer.results);
    } finally {
      await proc.close();
    }
  });
});

const SPIN = [
  'from stateflow import stateflow',
  '@stateflow',
  'class Spin:',
  '    def __init__(self, k: str):',
  '        self.k = k',
  '        self.n = 0',
  '    def __key__(self):',
  '        return self.k',
  '    def stubborn(self):',
  '        self.n += 1',
  '        while True:',
  '            try:',
  '                while True:',
  '                    pass',
  '            except BaseException:',
  '                pass',
  '    def bump(self):',
  '        self.n += 1',
  '        return self.n',
].join('\n');

describe.each([
  ['subprocess', { kind: 'subprocess', workers: 1 }],
  ['pyodide worker threads', { kind: 'pyodide', workers: 1 }],
] as const)('a runaway hop on the %s host', (_, options) => {
  it('fails alone: a batch queued behind it on the same worker runs once the worker is replaced', async () => {
    const host = await createPythonHost({ ...options, stderr: 'capture', timeoutMs: 300 });
    try {
      await host.load(simpleProgram('spin', SPIN, { Spin: ['stubborn', 'bump'] }));
      const r = new Router(host);
      for (const k of ['a', 'b']) await r.create('Spin', k);
      const started = performance.now();
      const runaway = host.process([{ event: r.invoke('Spin', 'a', 'stubborn'), state: r.state('Spin', 'a')! }]);
      const queued = host.process([{ event: r.invoke('Spin', 'b', 'bump'), state: r.state('Spin', 'b')! }]);
      const [bumped] = await queued;
      const queuedMs = performance.now() - started;
      const [stopped] = await runaway;
      expect(errorOf(stopped).type).toBe('TimeoutError');
      expect(stopped!.state).toBeUndefined();
      expect(resultOf(bumped)).toEqual({ ok: 1 });
      expect(host.restarts).toBeGreaterThanOrEqual(1);
      // Measured for the docs (running-in-production.md): how long the queued call waited.
      console.log(`${options.kind}: a call queued behind a runaway hop (limit 300 ms) answered after ${Math.round(queuedMs)} ms (${host.restarts} restart(s))`);
    } finally {
      await host.close();
    }
  }, 180_000); // two Pyodide starts: 8–22 s each on a loaded 2-core machine
});

describe('a dead kernel process', () => {
  const BUMPS = 40;

  it('killed with SIGKILL under load is replaced; every call of the load is answered and later calls succeed', async () => {
    const host = await SubprocessHost.start({ workers: 2, stderr: 'capture' });
    try {
      await host.load(shopProgram());
      const r = new Router(host);
      const users = Array.from({ length: BUMPS }, (_, i) => `k${i}`);
      for (const u of users) await r.create('User', u);
      const before = host.pids;
      expect(before).toHaveLength(2);
      const calls = users.map((u) => host.process([{ event: r.invoke('User', u, 'update_balance', 1), state: r.state('User', u)! }]));
      process.kill(before[0]!, 'SIGKILL');
      const results = await Promise.all(calls);
      // Nothing ran on bad input: every event, including those of the killed process, ran once more on its replacement.
      for (const [result] of results) expect(result!.state).toMatchObject({ balance: 2 });
      await until(() => host.restarts === 1 && host.unavailable() === undefined, 'the process is replaced');
      expect(host.pids[0]).not.toBe(before[0]);
      expect(host.pids[1]).toBe(before[1]);
      expect((await r.call('User', 'k0', 'update_balance', 1)).result).toEqual({ ok: null });
    } finally {
      await host.close();
    }
  });

  it('is replaced at once, without waiting for a call; the host says it is unavailable meanwhile', async () => {
    const host = await SubprocessHost.start({ workers: 1, stderr: 'capture' });
    try {
      await host.load(shopProgram());
      const [pid] = host.pids;
      let sawDown: string | undefined;
      process.kill(pid!, 'SIGKILL');
      await until(() => {
        sawDown ??= host.unavailable();
        return host.restarts === 1;
      }, 'the process is replaced');
      expect(sawDown).toMatch(/^no Python worker is running \(being restarted after: .*was killed by SIGKILL/);
      expect(host.unavailable()).toBeUndefined();
      expect(host.pids[0]).not.toBe(pid);
    } finally {
      await host.close();
    }
    expect(host.unavailable()).toBe('the subprocess Python host is closed');
  });

  it('that cannot be started again makes the host down: process() rejects with PythonNotFound', async () => {
    // An interpreter that starts while a marker file is absent.
    const dir = mkdtempSync(join(tmpdir(), 'stateflow-flaky-python-'));
    const python = join(dir, 'python');
    writeFileSync(python, `#!/bin/sh\n[ -e "${join(dir, 'gone')}" ] && exit 1\nexec "${resolvePython()}" "$@"\n`);
    chmodSync(python, 0o755);
    const host = await SubprocessHost.start({ python, stderr: 'capture' });
    try {
      await host.load(shopProgram());
      const r = new Router(host);
      writeFileSync(join(dir, 'gone'), '');
      process.kill(host.pids[0]!, 'SIGKILL');
      await until(() => host.unavailable() !== undefined, 'the host says it is down');
      const failed = await host.process([{ event: r.invoke('User', 'a', 'update_balance', 1), state: { username: 'a', balance: 1, items: [] } }]).catch((e: unknown) => e);
      expect(failed).toMatchObject({ code: 'PythonNotFound' });
      expect((failed as Error).message).toContain('cannot start a replacement for python kernel #0');
      expect(host.unavailable()).toMatch(/^no Python worker is running/);
    } finally {
      await host.close();
    }
  });

  it('answering out of step (an id that matches no request) is a worker fault: nothing is left waiting', async () => {
    // A fake kernel that answers pings and loads, then every batch with `"id": null`.
    const dir = mkdtempSync(join(tmpdir(), 'stateflow-fake-kernel-'));
    writeFileSync(
      join(dir, 'fake.py'),
      [
        'import json, struct, sys',
        'inp, out = sys.stdin.buffer, sys.stdout.buffer',
        'while True:',
        '    head = inp.read(4)',
        '    if not head: break',
        '    frame = json.loads(inp.read(struct.unpack(">I", head)[0]))',
        '    rid = None if frame["kind"] == "batch" else frame["id"]',
        '    answer = json.dumps({"id": rid, "ok": True, "python": "3.11.0", "error": {"type": "X", "message": "m"}} if rid is None else {"id": rid, "ok": True, "python": "3.11.0"}).encode()',
        '    out.write(struct.pack(">I", len(answer)) + answer); out.flush()',
      ].join('\n'),
    );
    const python = join(dir, 'python');
    writeFileSync(python, `#!/bin/sh\nexec "${resolvePython()}" "${join(dir, 'fake.py')}"\n`);
    chmodSync(python, 0o755);
    const host = await SubprocessHost.start({ python, stderr: 'capture' });
    try {
      await host.load(shopProgram());
      const r = new Router(host);
      const results = await host.process([
        { event: r.invoke('User', 'a', 'update_balance', 1), state: { username: 'a', balance: 1, items: [] } },
        { event: r.invoke('User', 'b', 'update_balance', 1), state: { username: 'b', balance: 1, items: [] } },
      ]);
      for (const result of results) {
        expect(errorOf(result)).toMatchObject({ code: 'Internal' });
        expect(errorOf(result).message).toContain('answered out of step');
      }
      expect(host.restarts).toBeGreaterThanOrEqual(2);
    } finally {
      await host.close();
    }
  });
});

describe('a method that exits its Pyodide worker thread', () => {
  it('fails alone; the rest of its batch and the batch queued behind it run', async () => {
    const source = [
      'import os',
      'from stateflow import stateflow',
      '@stateflow',
      'class Bomb:',
      '    def __init__(self, k: str):',
      '        self.k = k',
      '    def __key__(self):',
      '        return self.k',
      '    def explode(self):',
      '        os._exit(3)',
      '    def name(self):',
      '        return self.k',
    ].join('\n');
    const host = await createPythonHost({ kind: 'pyodide', workers: 1, stderr: 'capture' });
    try {
      await host.load(simpleProgram('bomb', source, { Bomb: ['explode', 'name'] }));
      const r = new Router(host);
      const [first, second] = await Promise.all([
        host.process([
          { event: r.invoke('Bomb', 'a', 'explode'), state: { k: 'a' } },
          { event: r.invoke('Bomb', 'b', 'name'), state: { k: 'b' } },
        ]),
        host.process([{ event: r.invoke('Bomb', 'c', 'name'), state: { k: 'c' } }]),
      ]);
      expect(errorOf(first[0])).toMatchObject({ code: 'Internal' });
      expect(errorOf(first[0]).message).toContain('gave no answer (did a method call os._exit()?)');
      expect(resultOf(first[1])).toEqual({ ok: 'b' });
      expect(resultOf(second[0])).toEqual({ ok: 'c' });
      expect(resultOf((await host.process([{ event: r.invoke('Bomb', 'd', 'name'), state: { k: 'd' } }]))[0])).toEqual({ ok: 'd' });
    } finally {
      await host.close();
    }
  });
});
