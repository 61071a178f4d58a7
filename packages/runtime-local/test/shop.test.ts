import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Program } from '@stateflow/ir';
import { createPythonHost } from '@stateflow/python-host';
import { LocalRuntime, startHttpServer, type HttpServer } from '../src/index.js';
import { RecordingHost } from './support/recording-host.js';

const require = createRequire(import.meta.url);
const shop = JSON.parse(readFileSync(require.resolve('@stateflow/ir/test-vectors/shop.ir.json'), 'utf8')) as Program;
const coke = { $entity: 'Item', $key: 'coke' };

describe.each([
  ['pyodide', { kind: 'pyodide' }],
  ['pyodide (2 worker threads)', { kind: 'pyodide', workers: 2, timeoutMs: 5000 }],
  ['subprocess', { kind: 'subprocess' }],
  ['subprocess (2 workers)', { kind: 'subprocess', workers: 2, timeoutMs: 5000 }],
] as const)('the shop on the %s host', (_, hostOptions) => {
  let host: RecordingHost;
  let runtime: LocalRuntime;

  beforeAll(async () => {
    host = new RecordingHost(await createPythonHost(hostOptions));
    runtime = await LocalRuntime.start(shop, { host, closeHostOnStop: true });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it('creates, tops up and buys', async () => {
    expect(await runtime.create('Item', ['coke', 2])).toEqual({ ok: coke });
    expect(await runtime.invoke('Item', 'coke', 'update_stock', [10])).toEqual({ ok: true });
    expect(await runtime.create('User', ['ann'])).toEqual({ ok: { $entity: 'User', $key: 'ann' } });
    expect(await runtime.invoke('User', 'ann', 'update_balance', [20])).toEqual({ ok: null });
    expect(await runtime.invoke('User', 'ann', 'buy_item', [3, coke])).toEqual({ ok: true });
    expect(runtime.getState('User', 'ann')).toEqual({ username: 'ann', balance: 15, items: [coke] });
    expect(runtime.getState('Item', 'coke')).toEqual({ item_name: 'coke', stock: 7, price: 2 });
  });

  it('returns False when the balance is too low, changing nothing', async () => {
    expect(await runtime.invoke('User', 'ann', 'buy_item', [], { amount: 100, item: coke })).toEqual({ ok: false });
    expect(runtime.getState('User', 'ann')?.['balance']).toBe(15);
  });

  it('brings a remote exception to the caller and leaves both entities unchanged', async () => {
    await runtime.invoke('User', 'ann', 'update_balance', [1000]);
    const ann = runtime.getState('User', 'ann');
    const item = runtime.getState('Item', 'coke');
    expect(await runtime.invoke('User', 'ann', 'buy_item', [50, coke])).toEqual({
      error: { type: 'NotEnoughStock', message: 'only 7 of coke left' },
    });
    expect(runtime.getState('User', 'ann')).toEqual(ann);
    expect(runtime.getState('Item', 'coke')).toEqual(item);
  });

  it('reports duplicate keys, unknown keys and arguments that do not bind', async () => {
    expect(await runtime.create('Item', ['coke', 9])).toMatchObject({ error: { code: 'EntityExists' } });
    expect(runtime.getState('Item', 'coke')?.['price']).toBe(2);
    expect(await runtime.invoke('User', 'nobody', 'update_balance', [1])).toMatchObject({ error: { code: 'EntityNotFound' } });
    expect(await runtime.invoke('User', 'ann', 'update_balance', [])).toMatchObject({ error: { code: 'BadArguments' } });
    expect(await runtime.create('User', [])).toMatchObject({ error: { code: 'BadArguments' } });
    expect(runtime.getState('User', 'nobody')).toBeUndefined();
  });

  it('keeps the stock consistent when many users race for it', async () => {
    await runtime.create('Item', ['gum', 1]);
    await runtime.invoke('Item', 'gum', 'update_stock', [5]);
    const users = Array.from({ length: 12 }, (_, i) => `racer${i}`);
    await Promise.all(users.map((u) => runtime.create('User', [u])));
    const gum = { $entity: 'Item', $key: 'gum' };
    host.batches.length = 0;
    const results = await Promise.all(users.map((u) => runtime.invoke('User', u, 'buy_item', [1, gum])));
    expect(results.filter((r) => 'ok' in r && r.ok === true)).toHaveLength(5);
    expect(results.filter((r) => 'error' in r && r.error.type === 'NotEnoughStock')).toHaveLength(7);
    expect(runtime.getState('Item', 'gum')?.['stock']).toBe(0);
    for (const [i, u] of users.entries()) {
      const bought = 'ok' in results[i]!;
      expect(runtime.getState('User', u)?.['balance']).toBe(bought ? 0 : 1);
    }
    // Different users ran together; several events of one instance (the item) run in
    // one batch next to each other, all but the first chained on the state left before.
    expect(Math.max(...host.batches.map((b) => b.length))).toBeGreaterThan(1);
    expect(host.batches.some((b) => b.some((r) => r.chained))).toBe(true);
    for (const batch of host.batches) {
      const runs: string[] = [];
      batch.forEach((r, i) => {
        const target = 'target' in r.event ? `${r.event.target.entity}/${r.event.target.key}` : `construct ${i}`;
        expect(r.chained === true).toBe(runs[runs.length - 1] === target);
        if (runs[runs.length - 1] !== target) runs.push(target);
      });
      expect(new Set(runs).size).toBe(runs.length);
    }
  });

  it('processes the calls of one instance in arrival order', async () => {
    await runtime.create('User', ['queue']);
    await Promise.all(Array.from({ length: 25 }, (_, i) => runtime.invoke('User', 'queue', 'update_balance', [i])));
    expect(runtime.getState('User', 'queue')?.['balance']).toBe(1 + (24 * 25) / 2);
    expect(host.maxInFlight).toBe(1);
  });

  describe('over HTTP', () => {
    let server: HttpServer;
    beforeAll(async () => {
      server = await startHttpServer(runtime, { port: 0 });
    });
    afterAll(async () => {
      await server?.close();
    });

    const post = async (path: string, body: unknown) => {
      const res = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    };

    it('answers each status with the real kernel', async () => {
      expect(await post('/Item', { args: ['tea', 3] })).toEqual({ status: 201, body: { key: 'tea' } });
      expect((await post('/Item', { args: ['tea', 3] })).status).toBe(409);
      expect(await post('/Item/tea/update_stock', { args: [2] })).toEqual({ status: 200, body: { result: true } });
      expect(await post('/Item/tea/update_stock', { args: [-5] })).toEqual({
        status: 422,
        body: { error: { type: 'NotEnoughStock', message: 'only 2 of tea left' } },
      });
      expect((await post('/Item/tea/update_stock', { args: [1, 2] })).status).toBe(400);
      expect((await post('/Item/tea/restock', {})).status).toBe(400);
      expect((await post('/Item/none/update_stock', { args: [1] })).status).toBe(404);
      const state = await fetch(`${server.url}/Item/tea`);
      expect(await state.json()).toEqual({ state: { item_name: 'tea', stock: 2, price: 3 } });
    });
  });
});
