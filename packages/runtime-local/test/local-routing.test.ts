import { mkdtempSync, rmSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Program } from '@stateflow/ir';
import { createPythonHost } from '@stateflow/python-host';
import { LmdbStateStore, LocalRuntime } from '../src/index.js';

const require = createRequire(import.meta.url);
const shop = JSON.parse(readFileSync(require.resolve('@stateflow/ir/test-vectors/shop.ir.json'), 'utf8')) as Program;
const item = (k: number) => ({ $entity: 'Item', $key: `item${k}` });

/** Many concurrent purchases over users and items spread across two workers. */
async function shopRun(localRouting: boolean, dataDir?: string, batchWaitMs?: number) {
  const host = await createPythonHost({ kind: 'subprocess', workers: 2, timeoutMs: 5000 });
  const runtime = await LocalRuntime.start(shop, {
    host,
    closeHostOnStop: true,
    localRouting,
    ...(dataDir ? { dataDir } : {}),
    ...(batchWaitMs !== undefined ? { batchWaitMs } : {}),
  });
  try {
    await Promise.all(Array.from({ length: 8 }, (_, k) => runtime.create('Item', [`item${k}`, 2])));
    await Promise.all(Array.from({ length: 8 }, (_, k) => runtime.invoke('Item', `item${k}`, 'update_stock', [100])));
    await Promise.all(Array.from({ length: 16 }, (_, u) => runtime.create('User', [`u${u}`])));
    await Promise.all(Array.from({ length: 16 }, (_, u) => runtime.invoke('User', `u${u}`, 'update_balance', [50])));
    // Every user buys one of every item, one at a time per user, all users at once.
    const results = await Promise.all(
      Array.from({ length: 16 }, async (_, u) => {
        const out = [];
        for (let k = 0; k < 8; k++) out.push(await runtime.invoke('User', `u${u}`, 'buy_item', [k + 1, item((k + u) % 8)]));
        return out;
      }),
    );
    await runtime.drained();
    const users = Array.from({ length: 16 }, (_, u) => runtime.getState('User', `u${u}`));
    const items = Array.from({ length: 8 }, (_, k) => runtime.getState('Item', `item${k}`));
    const local = runtime.metrics.events.get({ kind: 'local' });
    const queue = runtime.store.pendingEvents();
    return { results, users, items, local, queue };
  } finally {
    await runtime.stop();
  }
}

describe('local routing (subprocess host, 2 workers)', () => {
  it('gives the same results and states as routing every event through the runtime', async () => {
    const off = await shopRun(false);
    const on = await shopRun(true);
    expect(off.local).toBe(0);
    expect(on.local).toBeGreaterThan(0);
    expect(on.results).toEqual(off.results);
    expect(on.users).toEqual(off.users);
    expect(on.items).toEqual(off.items);
    // 16 users × 8 purchases; a purchase costs 2 × amount, the balance is 51.
    expect(on.results.flat().filter((r) => 'ok' in r && r.ok === true).length).toBeGreaterThan(0);
  });

  it('gives the same results and states with adaptive batching (batchWaitMs)', async () => {
    const off = await shopRun(false);
    const waiting = await shopRun(true, undefined, 0.2);
    expect(waiting.results).toEqual(off.results);
    expect(waiting.users).toEqual(off.users);
    expect(waiting.items).toEqual(off.items);
    expect(waiting.queue).toEqual([]);
  });

  it('commits the states of events run inside a round trip and leaves no event queued (durable)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-local-routing-'));
    try {
      const run = await shopRun(true, dir);
      expect(run.local).toBeGreaterThan(0);
      expect(run.queue).toEqual([]);
      const store = LmdbStateStore.open({ path: dir });
      try {
        for (let u = 0; u < 16; u++) expect(store.get({ entity: 'User', key: `u${u}` })).toEqual(run.users[u]);
        for (let k = 0; k < 8; k++) expect(store.get({ entity: 'Item', key: `item${k}` })).toEqual(run.items[k]);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
