import { startStateflowRun } from '@stateflow/engine-test-kit';
import { describe, expect, it } from 'vitest';
import { ENGINE_TESTS } from './support.js';

describe.skipIf(!ENGINE_TESTS)('stateflow run app.py --target cloudburst', () => {
  it('starts Anna and Cloudburst, registers the program, serves the HTTP API of stateflow serve, and stops everything on Ctrl-C', async () => {
    const run = await startStateflowRun(['examples/shop/app.py', '--target', 'cloudburst', '--port', '0'], { readyTimeoutMs: 180_000 });
    try {
      const url = run.url;
      expect(url, `${run.stdout()}\n${run.stderr()}`).toBeDefined();
      const post = async (path: string, body: unknown, headers: { [h: string]: string } = {}) => {
        const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as { [k: string]: unknown } };
      };
      // The shop scenario: an item with stock, a user with money, a purchase across both.
      expect(await post('/Item', { args: ['tea', 2] })).toEqual({ status: 201, body: expect.objectContaining({ key: 'tea' }) });
      expect((await post('/Item/tea/update_stock', { args: [5] })).body).toEqual({ result: true });
      expect((await post('/User', { args: ['ann'] })).status).toBe(201);
      expect((await post('/User/ann/update_balance', { args: [10] })).status).toBe(200);
      const bought = await post('/User/ann/buy_item', { args: [2, { $entity: 'Item', $key: 'tea' }] }, { 'Idempotency-Key': 'buy-1' });
      expect(bought.body).toEqual({ result: true });
      // The same Idempotency-Key again: the stored answer, the purchase not repeated.
      expect((await post('/User/ann/buy_item', { args: [2, { $entity: 'Item', $key: 'tea' }] }, { 'Idempotency-Key': 'buy-1' })).body).toEqual({ result: true });
      const state = (await (await fetch(`${url}/User/ann`)).json()) as { state: { balance: number } };
      expect(state.state.balance).toBe(11 - 4);
      const item = (await (await fetch(`${url}/Item/tea`)).json()) as { state: { stock: number } };
      expect(item.state.stock).toBe(3);
      // User errors are answers with their status, as on stateflow serve.
      const tooMany = await post('/User/ann/buy_item', { args: [1, { $entity: 'Item', $key: 'nope' }] });
      expect(tooMany.status).toBe(404);
      expect((await fetch(`${url}/User/nobody`)).status).toBe(404);
    } finally {
      const code = await run.stop();
      expect(code, run.stderr()).toBe(0);
    }
  });
});
