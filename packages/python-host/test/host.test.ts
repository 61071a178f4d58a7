import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPythonHost, PythonHostError, type PythonHost, type PythonHostKind } from '../src/index.js';
import { bankProgram, Router, shopProgram, simpleProgram } from './support/router.js';

const ITEM = { $entity: 'Item', $key: 'coke' };
const kinds: PythonHostKind[] = ['pyodide', 'subprocess'];

async function setupShop(r: Router, stock: number, balance: number): Promise<void> {
  expect((await r.create('Item', 'coke', 3)).result).toEqual({ ok: ITEM });
  expect((await r.create('User', 'alice')).result).toEqual({ ok: { $entity: 'User', $key: 'alice' } });
  await r.call('Item', 'coke', 'update_stock', stock);
  await r.call('User', 'alice', 'update_balance', balance - 1);
}

describe.each(kinds)('%s host', (kind) => {
  let host: PythonHost;
  let r: Router;

  beforeAll(async () => {
    host = await createPythonHost({ kind, stderr: 'capture' });
    expect(host.kind).toBe(kind);
    await host.load(shopProgram());
  });
  afterAll(async () => {
    await host.close();
  });

  it('creates entities: Construct emits Insert, Insert stores and answers a reference', async () => {
    r = new Router(host);
    const construct = r.construct('Item', 'coke', 3);
    const [result] = await host.process([{ event: construct, state: null }]);
    expect(result).toEqual({
      out: [
        {
          kind: 'Insert',
          target: { entity: 'Item', key: 'coke' },
          state: { item_name: 'coke', stock: 0, price: 3 },
          stack: [],
          requestId: 'r1',
          seq: 1,
          replyTo: { channel: 'test', id: 'c1' },
        },
      ],
    });
    const insert = result!.out[0]!;
    const [stored] = await host.process([{ event: insert, state: null }]);
    expect(stored!.state).toEqual({ item_name: 'coke', stock: 0, price: 3 });
    expect(stored!.out).toEqual([
      { kind: 'Response', result: { ok: ITEM }, stack: [], requestId: 'r1', seq: 2, replyTo: { channel: 'test', id: 'c1' } },
    ]);
    const [again] = await host.process([{ event: insert, state: stored!.state! }]);
    expect(again!.state).toBeUndefined();
    expect(again!.out[0]).toMatchObject({ kind: 'Response', result: { error: { code: 'EntityExists' } } });
  });

  it('invokes a simple method and reports the new state', async () => {
    r = new Router(host);
    await setupShop(r, 0, 10);
    expect((await r.call('Item', 'coke', 'update_stock', 5)).result).toEqual({ ok: true });
    expect(r.state('Item', 'coke')).toEqual({ item_name: 'coke', stock: 5, price: 3 });
  });

  it('runs a split method end to end through process()', async () => {
    r = new Router(host);
    await setupShop(r, 10, 100);
    r.hops.length = 0;
    const response = await r.call('User', 'alice', 'buy_item', 2, ITEM);
    expect(response.result).toEqual({ ok: true });
    expect(response.seq).toBe(5);
    expect(r.hops.map((h) => h.event.kind)).toEqual(['Invoke', 'Read', 'Reply', 'Invoke', 'Reply']);
    expect(r.hops[1]!.event.stack).toEqual([
      { entity: 'User', key: 'alice', method: 'buy_item', resume: 'b1', resultVar: '__sf_t0', env: { amount: 2, item: ITEM } },
    ]);
    expect(r.state('User', 'alice')).toEqual({ username: 'alice', balance: 94, items: [ITEM] });
    expect(r.state('Item', 'coke')!['stock']).toBe(8);
  });

  it('replies with user exceptions and leaves state unchanged, also through frames', async () => {
    r = new Router(host);
    await setupShop(r, 1, 100);
    const direct = await r.call('Item', 'coke', 'update_stock', -5);
    expect(direct.result).toEqual({ error: { type: 'NotEnoughStock', message: 'only 1 of coke left' } });
    expect(r.hops.at(-1)!.result.state).toBeUndefined();
    const remote = await r.call('User', 'alice', 'buy_item', 2, ITEM);
    expect(remote.result).toEqual({ error: { type: 'NotEnoughStock', message: 'only 1 of coke left' } });
    expect(r.state('User', 'alice')).toEqual({ username: 'alice', balance: 100, items: [] });
    expect(r.state('Item', 'coke')!['stock']).toBe(1);
  });

  it('reports bad arguments, unknown methods and missing entities as system errors', async () => {
    r = new Router(host);
    await setupShop(r, 1, 10);
    const bad = await r.call('Item', 'coke', 'update_stock');
    expect(bad.result).toEqual({
      error: {
        type: 'BadArguments',
        code: 'BadArguments',
        message: "bad arguments for Item.update_stock(amount: int) -> bool: missing a required argument: 'amount'",
      },
    });
    expect((await r.call('Item', 'coke', 'restock')).result).toMatchObject({ error: { code: 'UnknownMethod' } });
    expect((await r.call('Item', 'fanta', 'update_stock', 1)).result).toMatchObject({
      error: { code: 'EntityNotFound', message: "Item('fanta') does not exist" },
    });
  });

  it('processes a batch in request order', async () => {
    r = new Router(host);
    const events = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => r.construct('User', name));
    const results = await host.process(events.map((event) => ({ event, state: null })));
    expect(results.map((x) => (x.out[0] as { target: { key: string } }).target.key)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(await host.process([])).toEqual([]);
  });

  it('runs chained requests of one instance in order, each on the state the previous one left', async () => {
    r = new Router(host);
    await setupShop(r, 0, 10);
    const state = r.state('Item', 'coke')!;
    const results = await host.process([
      { event: r.invoke('Item', 'coke', 'update_stock', 5), state },
      { event: r.invoke('User', 'alice', 'update_balance', 1), state: r.state('User', 'alice')! },
      { event: r.invoke('Item', 'coke', 'update_stock', -7), state: null, chained: true },
      { event: r.invoke('Item', 'coke', 'update_stock', 2), state: null, chained: true },
    ]);
    expect(results.map((x) => (x.out[0] as { result: unknown }).result)).toEqual([
      { ok: true },
      { ok: null },
      { error: expect.objectContaining({ type: 'NotEnoughStock' }) },
      { ok: true },
    ]);
    // The failing call left the state as it was; the next one ran on it.
    expect(results[0]!.state).toMatchObject({ stock: 5 });
    expect(results[3]!.state).toMatchObject({ stock: 7 });
  });

  it('answers concurrent (pipelined) process() calls each with its own results', async () => {
    r = new Router(host);
    const names = Array.from({ length: 20 }, (_, i) => `u${i}`);
    const all = await Promise.all(names.map((name) => host.process([{ event: r.construct('User', name), state: null }])));
    expect(all.map(([x]) => (x!.out[0] as { target: { key: string } }).target.key)).toEqual(names);
  });

  it('runs two batches in flight at once for one instance each on the state it was given', async () => {
    r = new Router(host);
    await setupShop(r, 5, 10);
    const given = r.state('Item', 'coke')!; // the object the process holds a copy of
    // Both batches carry the same state. The second is sent while the first is in
    // flight, so it must not rely on the process's copy (which the first changes).
    const [[first], [second]] = await Promise.all([
      host.process([{ event: r.invoke('Item', 'coke', 'update_stock', 1), state: given }]),
      host.process([{ event: r.invoke('Item', 'coke', 'update_stock', 2), state: given }]),
    ]);
    expect(first!.state).toMatchObject({ stock: 6 });
    expect(second!.state).toMatchObject({ stock: 7 });
  });

  it('replaces the program on load() and runs create, branch, invoke, invoke_self and read', async () => {
    const fresh = await createPythonHost({ kind, stderr: 'capture' });
    try {
      await fresh.load(shopProgram());
      await fresh.load(bankProgram());
      const b = new Router(fresh);
      await b.create('Account', 'ann');
      await b.call('Account', 'ann', 'deposit', 100);
      b.hops.length = 0;
      const response = await b.call('Account', 'ann', 'open_savings', 'ann-savings', 30);
      expect(response.result).toEqual({ ok: { $entity: 'Account', $key: 'ann-savings' } });
      expect(b.hops.map((h) => h.event.kind)).toEqual(['Invoke', 'Insert', 'Reply', 'Invoke', 'Reply', 'Read', 'Reply']);
      expect(b.state('Account', 'ann')).toEqual({
        owner: 'ann',
        balance: 70,
        transfers: 1,
        history: ["Account('ann-savings') had 30"],
      });
      expect((await b.create('Item', 'coke', 3)).result).toMatchObject({ error: { code: 'UnknownEntity' } });
    } finally {
      await fresh.close();
    }
  });

  it('rejects process() before load() and a program whose module fails', async () => {
    const fresh = await createPythonHost({ kind, stderr: 'capture' });
    try {
      const r2 = new Router(fresh);
      await expect(fresh.process([{ event: r2.construct('User', 'x'), state: null }])).rejects.toMatchObject({
        code: 'NotLoaded',
      });
      const broken = simpleProgram('broken', 'x = 1\ndef f(:\n', {});
      const err = await fresh.load(broken).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PythonHostError);
      expect(err).toMatchObject({ code: 'LoadFailed' });
      expect((err as Error).message).toMatch(/^cannot load the program: broken\.py:2:\d+: SyntaxError/);
    } finally {
      await fresh.close();
    }
  });

  it("moves the program's and the standard library's objects out of the collector's way on load", async () => {
    const fresh = await createPythonHost({ kind, stderr: 'capture' });
    const source = [
      'import gc',
      'from stateflow import stateflow',
      '@stateflow',
      'class Probe:',
      '    def __init__(self, k: str):',
      '        self.k = k',
      '    def __key__(self):',
      '        return self.k',
      '    def frozen(self):',
      '        return gc.get_freeze_count()',
    ].join('\n');
    try {
      await fresh.load(simpleProgram('probe', source, { Probe: ['frozen'] }));
      const p = new Router(fresh);
      await p.create('Probe', 'p');
      // Thousands of objects exist after start-up; all of them are frozen.
      const { result } = await p.call('Probe', 'p', 'frozen');
      expect(result).toEqual({ ok: expect.any(Number) });
      expect((result as { ok: number }).ok).toBeGreaterThan(5000);
    } finally {
      await fresh.close();
    }
  }, 180_000); // starts a second Pyodide, which takes over a minute while the other suites share the 2 cores

  it('fails clearly after close()', async () => {
    const fresh = await createPythonHost({ kind, stderr: 'capture' });
    await fresh.load(shopProgram());
    await fresh.close();
    await expect(fresh.process([])).rejects.toMatchObject({ code: 'Closed' });
    await fresh.close();
  });
});

describe('subprocess host', () => {
  it('says clearly when the Python path does not exist', async () => {
    const err = await createPythonHost({ kind: 'subprocess', python: '/nonexistent/bin/python3' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PythonHostError);
    expect(err).toMatchObject({ code: 'PythonNotFound' });
    expect((err as Error).message).toContain('/nonexistent/bin/python3');
    expect((err as Error).message).toContain('Python 3.9+');
  });

  it('says clearly when the interpreter cannot run the kernel', async () => {
    const err = await createPythonHost({ kind: 'subprocess', python: '/bin/false', stderr: 'capture' }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'PythonNotFound' });
    expect((err as Error).message).toContain('cannot start the StateFlow kernel with /bin/false');
    expect((err as Error).message).toContain('exited with code 1');
  });

  it('partitions instances over several workers', async () => {
    const host = await createPythonHost({ kind: 'subprocess', workers: 3, stderr: 'capture' });
    try {
      await host.load(shopProgram());
      const r = new Router(host);
      await setupShop(r, 10, 100);
      const users = ['bob', 'carol', 'dave', 'erin'];
      for (const u of users) await r.create('User', u);
      for (const u of users) await r.call('User', u, 'update_balance', 99);
      const responses = [];
      for (const u of users) responses.push(await r.call('User', u, 'buy_item', 1, ITEM));
      expect(responses.map((x) => x.result)).toEqual(users.map(() => ({ ok: true })));
      expect(r.state('Item', 'coke')!['stock']).toBe(6);
    } finally {
      await host.close();
    }
  });

  it('restarts a process that dies; only the event that killed it fails', async () => {
    const host = await createPythonHost({ kind: 'subprocess', stderr: 'capture' });
    const source = [
      'import os, sys',
      'from stateflow import stateflow',
      '@stateflow',
      'class Bomb:',
      '    def __init__(self, k: str):',
      '        self.k = k',
      '    def __key__(self):',
      '        return self.k',
      '    def explode(self):',
      '        sys.stderr.write("about to exit\\n"); sys.stderr.flush()',
      '        os._exit(3)',
      '    def name(self):',
      '        return self.k',
    ].join('\n');
    try {
      await host.load(simpleProgram('bomb', source, { Bomb: ['explode', 'name'] }));
      const r = new Router(host);
      await r.create('Bomb', 'b');
      await r.create('Bomb', 'c');
      const [exploded, chainedAfter, named] = await host.process([
        { event: r.invoke('Bomb', 'b', 'explode'), state: r.state('Bomb', 'b')! },
        // Re-run on its own after the crash, still on the state its predecessor left.
        { event: r.invoke('Bomb', 'b', 'name'), state: null, chained: true },
        { event: r.invoke('Bomb', 'c', 'name'), state: r.state('Bomb', 'c')! },
      ]);
      expect(chainedAfter!.out).toMatchObject([{ kind: 'Response', result: { ok: 'b' } }]);
      expect(exploded!.state).toBeUndefined();
      expect(exploded!.out).toMatchObject([{ kind: 'Response', result: { error: { type: 'Internal', code: 'Internal' } } }]);
      const message = (exploded!.out[0] as { result: { error: { message: string } } }).result.error.message;
      expect(message).toContain('exited with code 3');
      expect(message).toContain('about to exit');
      expect(named!.out).toMatchObject([{ kind: 'Response', result: { ok: 'c' } }]);
      expect(host.restarts).toBeGreaterThanOrEqual(1);
      expect((await r.call('Bomb', 'c', 'name')).result).toEqual({ ok: 'c' });
    } finally {
      await host.close();
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
  '    def forever(self):',
  '        self.n += 1',
  '        while True:',
  '            pass',
  '    def stubborn(self):',
  '        self.n += 1',
  '        while True:',
  '            try:',
  '                while True:',
  '                    pass',
  '            except BaseException:',
  '                pass',
  '    def hog(self):',
  '        self.blob = bytearray(1536 * 1024 * 1024)',
  '        return len(self.blob)',
  '    def bump(self):',
  '        self.n += 1',
  '        return self.n',
].join('\n');

describe.each([
  ['subprocess', { kind: 'subprocess', workers: 2 }],
  ['pyodide worker threads', { kind: 'pyodide', workers: 2 }],
] as const)('limits on the %s host', (_, options) => {
  let host: PythonHost;
  let r: Router;

  beforeAll(async () => {
    host = await createPythonHost({ ...options, stderr: 'capture', timeoutMs: 300, maxMemoryMb: 1024 });
    await host.load(simpleProgram('spin', SPIN, { Spin: ['forever', 'stubborn', 'hog', 'bump'] }));
    r = new Router(host);
    for (const k of ['a', 'b', 'c']) await r.create('Spin', k);
  });
  afterAll(async () => {
    await host.close();
  });

  it('stops a hop past the time limit with TimeoutError; others in the batch are unaffected', async () => {
    const [spun, bumped] = await host.process([
      { event: r.invoke('Spin', 'a', 'forever'), state: r.state('Spin', 'a')! },
      { event: r.invoke('Spin', 'b', 'bump'), state: r.state('Spin', 'b')! },
    ]);
    expect(spun!.state).toBeUndefined();
    expect(spun!.out).toMatchObject([{ kind: 'Response', result: { error: { type: 'TimeoutError' } } }]);
    expect(bumped!.out).toMatchObject([{ kind: 'Response', result: { ok: 1 } }]);
    expect(bumped!.state).toMatchObject({ n: 1 });
  });

  it('restarts a worker whose hop ignores the stop, and fails only that hop', async () => {
    const before = host.restarts ?? 0;
    const [spun, bumped] = await host.process([
      { event: r.invoke('Spin', 'a', 'stubborn'), state: r.state('Spin', 'a')! },
      { event: r.invoke('Spin', 'c', 'bump'), state: r.state('Spin', 'c')! },
    ]);
    expect(spun!.state).toBeUndefined();
    expect(spun!.out).toMatchObject([{ kind: 'Response', result: { error: { type: 'TimeoutError' } } }]);
    expect(bumped!.out).toMatchObject([{ kind: 'Response', result: { ok: 1 } }]);
    expect(host.restarts).toBeGreaterThan(before);
    expect((await r.call('Spin', 'a', 'bump')).result).toEqual({ ok: 1 });
  });

  it('keeps a worker within its memory limit', async () => {
    const before = host.restarts ?? 0;
    const result = (await r.call('Spin', 'b', 'hog')).result;
    if (options.kind === 'subprocess') expect(result).toMatchObject({ error: { type: 'MemoryError' } });
    // Pyodide: the allocation fails (MemoryError), is stopped by the time limit while
    // growing the WebAssembly memory, or succeeds and the oversized worker is replaced.
    else if (!('error' in result)) expect(host.restarts).toBeGreaterThan(before);
    else expect(['MemoryError', 'TimeoutError']).toContain(result.error.type);
    expect((await r.call('Spin', 'b', 'bump')).result).toEqual({ ok: 1 });
  });
});
