#!/usr/bin/env node
// Targeted side-by-side probe: one workload on subprocess×N, in memory (or durable), in-process.
// Prints peak ops/s, CPU µs per call (Node and the kernel processes), and p50/p99 at a
// fixed open-loop rate (default: half of the measured peak).
// Usage: node src/probe.mjs [--workload A|B|T] [--dist uniform|zipf] [--duration s] [--rate n]
//                           [--batch-wait-ms n] [--max-batch-size n] [--workers n]
//                           [--store memory|durable] [--runtime <built runtime-local index.js>]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { compile } from '@stateflow/frontend-python';
import { createPythonHost } from '@stateflow/python-host';
import { childrenCpuMicros } from './child-cpu.mjs';
import { closedLoop, openLoop } from './load.mjs';
import { accountKey, operations } from './workloads.mjs';

const HERE = dirname(new URL(import.meta.url).pathname);
const { values: o } = parseArgs({
  options: {
    workload: { type: 'string', default: 'A' },
    dist: { type: 'string', default: 'zipf' },
    duration: { type: 'string', default: '3' },
    rate: { type: 'string' },
    entities: { type: 'string', default: '10000' },
    'batch-wait-ms': { type: 'string' },
    'max-batch-size': { type: 'string' },
    workers: { type: 'string' },
    store: { type: 'string', default: 'memory' },
    runtime: { type: 'string' },
  },
});
const entities = Number(o.entities);
// `--runtime` loads another build of @stateflow/runtime-local (a copy of its dist) for side-by-side runs.
const { LocalRuntime } = await import(o.runtime ? pathToFileURL(resolve(o.runtime)).href : '@stateflow/runtime-local');
const durationMs = Number(o.duration) * 1000;
const workers = o.workers ? Number(o.workers) : Math.max(1, Math.min(cpus().length, 4));

const path = join(HERE, '..', 'programs', 'accounts.py');
const { program } = await compile(readFileSync(path, 'utf8'), { path });
const host = await createPythonHost({ kind: 'subprocess', workers, stderr: 'capture' });
if (o.store !== 'memory' && o.store !== 'durable') throw new Error(`--store is memory or durable, not '${o.store}'`);
const dataDir = o.store === 'durable' ? mkdtempSync(join(tmpdir(), 'stateflow-probe-')) : undefined;
const runtime = await LocalRuntime.start(program, {
  host,
  ...(dataDir ? { dataDir } : {}),
  closeHostOnStop: true,
  maxConcurrentBatches: workers,
  ...(o['batch-wait-ms'] !== undefined ? { batchWaitMs: Number(o['batch-wait-ms']) } : {}),
  ...(o['max-batch-size'] !== undefined ? { maxBatchSize: Number(o['max-batch-size']) } : {}),
});
const created = [];
for (let k = 0; k < entities; k++) created.push(runtime.create('Account', [accountKey(k), 1_000_000]));
await Promise.all(created);
const call = (op) => runtime.invoke('Account', op.key, op.method, op.args).then((r) => 'ok' in r);
await closedLoop(call, operations(o.workload, o.dist, entities, 7), { concurrency: 1024, durationMs: 1000 });
const node0 = process.cpuUsage();
const kids0 = childrenCpuMicros();
const peak = await closedLoop(call, operations(o.workload, o.dist, entities, 8), { concurrency: 1024, durationMs });
const node1 = process.cpuUsage(node0);
const kids = childrenCpuMicros() - kids0;
const calls = peak.ops + peak.errors;
const rate = o.rate ? Number(o.rate) : Math.round(peak.opsPerSec / 2);
const node2 = process.cpuUsage();
const kids2 = childrenCpuMicros();
const half = await openLoop(call, operations(o.workload, o.dist, entities, 9), { rate, durationMs });
const node3 = process.cpuUsage(node2);
const kidsHalf = childrenCpuMicros() - kids2;
const halfCalls = half.ops + half.errors;
// Commit time (to durable) at half of peak, from the runtime's histogram: mean, and the
// bucket bound under which 99% of the commits finished.
const commits = commitSummary(runtime.metrics.render());
await runtime.stop();
if (dataDir) rmSync(dataDir, { recursive: true, force: true });
const r = (n, d = 0) => n.toFixed(d);
console.log(
  JSON.stringify({
    workload: `${o.workload} ${o.dist}`,
    peak: r(peak.opsPerSec),
    nodeUsPerCall: r((node1.user + node1.system) / calls, 1),
    kernelUsPerCall: r(kids / calls, 1),
    rate,
    halfNodeUs: r((node3.user + node3.system) / halfCalls, 1),
    halfKernelUs: r(kidsHalf / halfCalls, 1),
    p50: r(half.p50, 2),
    p99: r(half.p99, 2),
    ...(dataDir ? commits : {}),
    load: readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
  }),
);

function commitSummary(text) {
  const name = 'stateflow_store_commit_duration_seconds';
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => [m[1], Number(m[2])]);
  const count = Number(text.match(new RegExp(`^${name}_count (\\S+)$`, 'm'))?.[1]);
  const sum = Number(text.match(new RegExp(`^${name}_sum (\\S+)$`, 'm'))?.[1]);
  const p99 = buckets.find(([, n]) => n >= 0.99 * count)?.[0];
  return { commits: count, commitMeanMs: ((sum / count) * 1000).toFixed(2), commitP99UnderS: p99 };
}
