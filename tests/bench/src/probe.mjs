#!/usr/bin/env node
// Targeted side-by-side probe: one row of `pnpm bench` (by default subprocess×N, in
// memory, in-process). Prints peak ops/s, CPU µs per call (Node, its threads, the kernel
// processes), and p50/p99 at a fixed open-loop rate (default: half of the measured peak).
// Usage: node src/probe.mjs [--workload A|B|T] [--dist uniform|zipf] [--duration s] [--rate n]
//                           [--store memory|durable] [--transport inproc|http] [--host subprocess|pyodide]
//                           [--batch-wait-ms n] [--max-batch-size n] [--workers n]
//                           [--runtime <built runtime-local index.js>] [--python-host <built python-host index.js>]
//                           [--v8-flags="<flags>"] [--trace] [--trace-out <file.json>] [--warmup-ms n]
// --trace: which pauses (Node and Python collections, event-loop gaps, store commits)
// overlapped the calls slower than 10 ms at the fixed rate (src/stall-trace.mjs).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { compile } from '@stateflow/frontend-python';
import { childrenCpuMicros } from './child-cpu.mjs';
import { threadCpuMicros, threadCpuPerCall } from './thread-cpu.mjs';
import { runHttpLoad } from './http-load.mjs';
import { closedLoop, openLoop } from './load.mjs';
import { StallTrace } from './stall-trace.mjs';
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
    'python-host': { type: 'string' },
    transport: { type: 'string', default: 'inproc' },
    host: { type: 'string', default: 'subprocess' },
    trace: { type: 'boolean', default: false },
    'trace-out': { type: 'string' },
    'warmup-ms': { type: 'string', default: '1000' },
    'v8-flags': { type: 'string' },
  },
});
if (o.host !== 'subprocess' && o.host !== 'pyodide') throw new Error(`--host is subprocess or pyodide, not '${o.host}'`);
if (o.store !== 'memory' && o.store !== 'durable') throw new Error(`--store is memory or durable, not '${o.store}'`);
if (o.transport !== 'inproc' && o.transport !== 'http') throw new Error(`--transport is inproc or http, not '${o.transport}'`);
// `--v8-flags`: set after start-up (as the runtime sets its own), for side-by-side runs.
if (o['v8-flags']) for (const flag of o['v8-flags'].split(/\s+/).filter(Boolean)) setFlagsFromString(flag);
const entities = Number(o.entities);
// `--runtime` loads another build of @stateflow/runtime-local (a copy of its dist) for side-by-side runs.
const { LocalRuntime, startHttpServer } = await import(o.runtime ? pathToFileURL(resolve(o.runtime)).href : '@stateflow/runtime-local');
const { createPythonHost } = await import(o['python-host'] ? pathToFileURL(resolve(o['python-host'])).href : '@stateflow/python-host');
const durationMs = Number(o.duration) * 1000;
const warmupMs = Number(o['warmup-ms']);
const workers = o.workers ? Number(o.workers) : Math.max(1, Math.min(cpus().length, 4));

const path = join(HERE, '..', 'programs', 'accounts.py');
const { program } = await compile(readFileSync(path, 'utf8'), { path });
// Before the host starts: its kernel processes load the tracer's Python GC hook.
const trace = o.trace ? new StallTrace() : undefined;
// The Pyodide host runs one batch at a time in this thread (as in `pnpm bench`).
const host = await createPythonHost(o.host === 'pyodide' ? { kind: 'pyodide', stderr: 'capture' } : { kind: 'subprocess', workers, stderr: 'capture' });
const batches = o.host === 'pyodide' ? 1 : workers;
const dataDir = o.store === 'durable' ? mkdtempSync(join(tmpdir(), 'stateflow-probe-')) : undefined;
const runtime = await LocalRuntime.start(program, {
  host,
  ...(dataDir ? { dataDir } : {}),
  closeHostOnStop: true,
  maxConcurrentBatches: batches,
  ...(o['batch-wait-ms'] !== undefined ? { batchWaitMs: Number(o['batch-wait-ms']) } : {}),
  ...(o['max-batch-size'] !== undefined ? { maxBatchSize: Number(o['max-batch-size']) } : {}),
});
if (trace) trace.watchStore(runtime.store);
const created = [];
for (let k = 0; k < entities; k++) created.push(runtime.create('Account', [accountKey(k), 1_000_000]));
await Promise.all(created);
const server = o.transport === 'http' ? await startHttpServer(runtime, { port: 0 }) : undefined;
const call = (op) => runtime.invoke('Account', op.key, op.method, op.args).then((r) => 'ok' in r);
// The same loads as `pnpm bench`: 1024 in-process callers, or 64 keep-alive HTTP
// connections driven from a worker thread.
const closed = (seed, ms) =>
  server
    ? runHttpLoad(server.url, { workload: o.workload, dist: o.dist, entities, seed, mode: 'closed', concurrency: 64, sockets: 64, durationMs: ms })
    : closedLoop(call, operations(o.workload, o.dist, entities, seed), { concurrency: 1024, durationMs: ms });
const open = async (seed, rate) => {
  // A warm-up at the same rate first, not measured (a second, as `pnpm bench` does).
  if (!server) return openLoop(call, operations(o.workload, o.dist, entities, seed), { rate, durationMs, warmupMs, onAnswer: trace?.onAnswer });
  return runHttpLoad(server.url, { workload: o.workload, dist: o.dist, entities, seed, mode: 'open', rate, sockets: 64, durationMs, warmupMs }, trace);
};
await closed(7, 1000);
const node0 = process.cpuUsage();
const kids0 = childrenCpuMicros();
const peak = await closed(8, durationMs);
const node1 = process.cpuUsage(node0);
const kids = childrenCpuMicros() - kids0;
const calls = peak.ops + peak.errors;
const rate = o.rate ? Number(o.rate) : Math.round(peak.opsPerSec / 2);
const node2 = process.cpuUsage();
const threads2 = threadCpuMicros();
const kids2 = childrenCpuMicros();
const txn0 = lastTxnId();
trace?.start();
const half = await open(9, rate);
trace?.stop();
const halfTxns = lastTxnId() - txn0;
const node3 = process.cpuUsage(node2);
const threads3 = threadCpuMicros();
const kidsHalf = childrenCpuMicros() - kids2;
// CPU was measured over the warm-up second too: divide by every call started.
const halfCalls = Math.floor((rate * (warmupMs + durationMs)) / 1000);
// Commit time (to durable) at half of peak, from the runtime's histogram: mean, and the
// bucket bound under which 99% of the commits finished.
const commits = commitSummary(runtime.metrics.render());
await server?.close();
await runtime.stop();
const dataFileMb = dataDir ? (dataSize(dataDir) / 2 ** 20).toFixed(1) : undefined;
if (dataDir) rmSync(dataDir, { recursive: true, force: true });
if (trace) console.error(trace.report());
if (trace && o['trace-out']) trace.writeJson(o['trace-out']);
const r = (n, d = 0) => n.toFixed(d);
console.log(
  JSON.stringify({
    workload: `${o.workload} ${o.dist} ${o.store} ${o.transport} ${o.host}`,
    peak: r(peak.opsPerSec),
    nodeUsPerCall: r((node1.user + node1.system) / calls, 1),
    kernelUsPerCall: r(kids / calls, 1),
    rate,
    halfNodeUs: r((node3.user + node3.system) / halfCalls, 1),
    halfKernelUs: r(kidsHalf / halfCalls, 1),
    halfThreadsUs: threadCpuPerCall(threads2, threads3, halfCalls),
    p50: r(half.p50, 2),
    p99: r(half.p99, 2),
    ...(dataDir ? { ...commits, halfTxnsPerSec: r(halfTxns / ((warmupMs + durationMs) / 1000)), dataFileMb } : {}),
    load: readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
  }),
);

/** LMDB's last transaction id (the durable store's transactions so far), 0 in memory. */
function lastTxnId() {
  return runtime.store.transactionCount ?? 0;
}

/** Bytes of the files in a data directory (LMDB's data file grows when freed pages cannot be reused). */
function dataSize(dir) {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

function commitSummary(text) {
  const name = 'stateflow_store_commit_duration_seconds';
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => [m[1], Number(m[2])]);
  const count = Number(text.match(new RegExp(`^${name}_count (\\S+)$`, 'm'))?.[1]);
  const sum = Number(text.match(new RegExp(`^${name}_sum (\\S+)$`, 'm'))?.[1]);
  const p99 = buckets.find(([, n]) => n >= 0.99 * count)?.[0];
  return { commits: count, commitMeanMs: ((sum / count) * 1000).toFixed(2), commitP99UnderS: p99 };
}
