// Quick throughput check of the runtime through the in-process API (not the benchmark harness).
// node scripts/bench.mjs [pyodide|subprocess] [workers] [memory|durable] [calls] [update|transfer] [on|off|both]
//
// `update`: Item.update_stock over 1000 items (one hop per call). `transfer`:
// Account.transfer between 1000 accounts (test/fixtures/transfers.ir.json; two hops per
// call with resumeDetached, three without). The last argument is `resumeDetached`
// (default on); `both` runs on and off in turns on the same host (ROUNDS pairs, default
// 3, after an unreported warm-up of each, the order swapped every round so load drift
// hits both) and prints their medians and the on/off ratio of each round.
// Environment: WINDOW (calls in flight, default 4000), ROUNDS, BATCH, INFLIGHT.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPythonHost } from '@stateflow/python-host';
import { LocalRuntime } from '../dist/index.js';

const [kind = 'subprocess', workers = '2', mode = 'memory', callsText = '200000', workload = 'update', detached = 'on'] = process.argv.slice(2);
if (!['update', 'transfer'].includes(workload)) throw new Error(`workload must be update or transfer, not ${workload}`);
if (!['on', 'off', 'both'].includes(detached)) throw new Error(`resumeDetached must be on, off or both, not ${detached}`);
const require = createRequire(import.meta.url);
const program =
  workload === 'update'
    ? JSON.parse(readFileSync(require.resolve('@stateflow/ir/test-vectors/shop.ir.json'), 'utf8'))
    : JSON.parse(readFileSync(new URL('../test/fixtures/transfers.ir.json', import.meta.url), 'utf8'));
const host = await createPythonHost({ kind, workers: Number(workers) });
const tuning = {
  ...(process.env.BATCH ? { maxBatchSize: Number(process.env.BATCH) } : {}),
  ...(process.env.INFLIGHT ? { maxConcurrentBatches: Number(process.env.INFLIGHT) } : {}),
};
const totalCalls = Number(callsText);
const window = Number(process.env.WINDOW ?? 4000); // calls in flight
const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`);

/**
 * CPU time (ms) of this process and the host's kernel processes so far, from /proc
 * (Linux, subprocess host; else this process only): unlike calls/s, CPU per call hardly
 * moves when other work shares the machine.
 */
function cpuMs() {
  const ticks = (pid) => {
    const path = `/proc/${pid}/stat`;
    if (!existsSync(path)) return 0;
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  };
  if (!existsSync('/proc/self/stat')) {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  }
  return ([process.pid, ...(host.pids ?? [])].reduce((sum, pid) => sum + ticks(pid), 0) * 1000) / 100; // USER_HZ is 100 on Linux
}

/** One run on a fresh runtime (and store) over the shared host: calls/s and latency percentiles. */
async function run(resumeDetached, calls = totalCalls) {
  const dir = mode === 'durable' ? mkdtempSync(join(tmpdir(), 'sf-bench-')) : undefined;
  const runtime = await LocalRuntime.start(program, { host, ...tuning, resumeDetached, ...(dir ? { dataDir: dir } : {}) });
  try {
    const call =
      workload === 'update'
        ? (i, n) => runtime.invoke('Item', keys[(i * 7 + n) % keys.length], 'update_stock', [1])
        : (i, n) => {
            const from = (i * 7 + n) % keys.length;
            const to = (from + 1 + ((i * 13 + n * 31) % (keys.length - 1))) % keys.length;
            return runtime.invoke('Account', keys[from], 'transfer', [{ $entity: 'Account', $key: keys[to] }, 1]);
          };
    await Promise.all(keys.map((k) => (workload === 'update' ? runtime.create('Item', [k, 1]) : runtime.create('Account', [k, 1_000_000]))));
    const latencies = new Float64Array(calls);
    let done = 0;
    async function client(n, count) {
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        const r = await call(i, n);
        latencies[done++] = performance.now() - t0;
        if (!('ok' in r) || r.ok === false) throw new Error(JSON.stringify(r));
      }
    }
    const started = performance.now();
    const cpuBefore = cpuMs();
    await Promise.all(Array.from({ length: window }, (_, n) => client(n, Math.floor(calls / window))));
    const seconds = (performance.now() - started) / 1000;
    const cpuPerCall = (cpuMs() - cpuBefore) / done;
    const sorted = latencies.subarray(0, done).sort();
    const at = (q) => sorted[Math.min(done - 1, Math.floor(q * done))];
    const hops = ['Construct', 'Insert', 'Invoke', 'Read', 'Reply', 'local'].reduce((s, k) => s + runtime.metrics.events.get({ kind: k }), 0);
    return { rate: done / seconds, p50: at(0.5), p99: at(0.99), hopsPerCall: (hops - 2 * keys.length) / done, cpuPerCall, done, seconds };
  } finally {
    await runtime.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

function print(label, r) {
  console.log(
    `${kind} workers=${workers} ${mode} ${workload} resumeDetached=${label}: ${r.done} calls in ${r.seconds.toFixed(2)} s = ${Math.round(r.rate)}/s, ` +
      `p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.hopsPerCall.toFixed(2)} hops/call, CPU ${(r.cpuPerCall * 1000).toFixed(0)} µs/call`,
  );
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  if (detached !== 'both') {
    print(detached, await run(detached === 'on'));
  } else {
    const results = { on: [], off: [] };
    const rounds = Number(process.env.ROUNDS ?? 3);
    // Warm-up (not reported): the first runs pay for JIT compilation and Python's imports.
    for (const on of [true, false]) await run(on, Math.min(totalCalls, 20_000));
    for (let round = 0; round < rounds; round++) {
      for (const label of round % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
        const r = await run(label === 'on');
        results[label].push(r);
        print(label, r);
      }
    }
    // Each round's on and off ran back to back: their ratio is the least disturbed by load drift.
    const ratios = results.on.map((on, i) => ({ rate: on.rate / results.off[i].rate, p50: on.p50 / results.off[i].p50 }));
    console.log(
      `on/off per round: calls/s ${ratios.map((r) => r.rate.toFixed(2)).join(', ')} (median ${median(ratios.map((r) => r.rate)).toFixed(2)}); ` +
        `p50 ${ratios.map((r) => r.p50.toFixed(2)).join(', ')} (median ${median(ratios.map((r) => r.p50)).toFixed(2)})`,
    );
    for (const label of ['on', 'off']) {
      const rs = results[label];
      console.log(
        `median of ${rs.length}, resumeDetached=${label}: ${Math.round(median(rs.map((r) => r.rate)))}/s, p50 ${median(rs.map((r) => r.p50)).toFixed(1)} ms, ` +
          `p99 ${median(rs.map((r) => r.p99)).toFixed(1)} ms, ${median(rs.map((r) => r.hopsPerCall)).toFixed(2)} hops/call, CPU ${(median(rs.map((r) => r.cpuPerCall)) * 1000).toFixed(0)} µs/call`,
      );
    }
  }
} finally {
  await host.close();
}
