#!/usr/bin/env node
// Measures start-up time and per-call cost of each Python host on the shop example.
// Usage: node scripts/bench.mjs [pyodide|subprocess ...]   (after `pnpm build`)
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createPythonHost } from '../dist/index.js';

const program = JSON.parse(readFileSync(new URL('../../ir/test/fixtures/shop.ir.json', import.meta.url), 'utf8'));
const kinds = process.argv.slice(2).length ? process.argv.slice(2) : ['pyodide', 'subprocess'];
const base = { requestId: 'r', seq: 0, stack: [], replyTo: { channel: 'bench', id: '1' } };
const state = { item_name: 'coke', stock: 1000000, price: 3 };
const invoke = { kind: 'Invoke', target: { entity: 'Item', key: 'coke' }, method: 'update_stock', args: [1], kwargs: {}, ...base };

async function timeit(n, fn) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}

for (const kind of kinds) {
  const t0 = performance.now();
  const host = await createPythonHost({ kind, stderr: 'capture' });
  const started = performance.now() - t0;
  const t1 = performance.now();
  await host.load(program);
  const loaded = performance.now() - t1;
  await timeit(200, () => host.process([{ event: invoke, state }]));
  const single = await timeit(2000, () => host.process([{ event: invoke, state }]));
  const batch = Array.from({ length: 100 }, () => ({ event: invoke, state }));
  const per100 = await timeit(200, () => host.process(batch));
  await host.close();
  console.log(
    `${kind}: start ${started.toFixed(0)} ms, load ${loaded.toFixed(1)} ms, ` +
      `1-request batch ${(single * 1000).toFixed(0)} µs, ` +
      `100-request batch ${(per100 * 1000).toFixed(0)} µs (${((per100 * 1000) / 100).toFixed(1)} µs/request)`,
  );
}
