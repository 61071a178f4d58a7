// Quick throughput check of the runtime through the in-process API (not the benchmark harness).
// node scripts/bench.mjs [pyodide|subprocess] [workers] [memory|durable] [calls]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPythonHost } from '@stateflow/python-host';
import { LocalRuntime } from '../dist/index.js';

const [kind = 'subprocess', workers = '2', mode = 'memory', callsText = '200000'] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const shop = JSON.parse(readFileSync(require.resolve('@stateflow/ir/test-vectors/shop.ir.json'), 'utf8'));
const host = await createPythonHost({ kind, workers: Number(workers) });
const dir = mode === 'durable' ? mkdtempSync(join(tmpdir(), 'sf-bench-')) : undefined;
const tuning = {
  ...(process.env.BATCH ? { maxBatchSize: Number(process.env.BATCH) } : {}),
  ...(process.env.INFLIGHT ? { maxConcurrentBatches: Number(process.env.INFLIGHT) } : {}),
};
const runtime = await LocalRuntime.start(shop, { host, closeHostOnStop: true, ...tuning, ...(dir ? { dataDir: dir } : {}) });
const keys = Array.from({ length: 1000 }, (_, i) => `item${i}`);
await Promise.all(keys.map((k) => runtime.create('Item', [k, 1])));
const calls = Number(callsText);
const window = 4000;
let done = 0;
const started = performance.now();
async function client(n) {
  for (let i = 0; i < n; i++) {
    const r = await runtime.invoke('Item', keys[(i * 7 + n) % keys.length], 'update_stock', [1]);
    if (!('ok' in r)) throw new Error(JSON.stringify(r));
    done++;
  }
}
await Promise.all(Array.from({ length: window }, () => client(calls / window)));
const seconds = (performance.now() - started) / 1000;
console.log(`${kind} workers=${workers} ${mode}: ${done} calls in ${seconds.toFixed(2)} s = ${Math.round(done / seconds)}/s`);
await runtime.stop();
if (dir) rmSync(dir, { recursive: true, force: true });
