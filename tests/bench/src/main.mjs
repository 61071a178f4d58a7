// `pnpm bench`: runs the benchmark matrix in one process and prints one table.
// See ../README.md for what is measured and how.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compile } from '@stateflow/frontend-python';
import { createPythonHost } from '@stateflow/python-host';
import { LocalRuntime, startHttpServer } from '@stateflow/runtime-local';
import { runHttpLoad } from './http-load.mjs';
import { closedLoop, openLoop } from './load.mjs';
import { StallTrace } from './stall-trace.mjs';
import { formatTable, goals } from './report.mjs';
import { WORKLOADS, accountKey, operations } from './workloads.mjs';

const HERE = dirname(new URL(import.meta.url).pathname);
const PKG = resolve(HERE, '..');

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    workload: { type: 'string' },
    dist: { type: 'string' },
    duration: { type: 'string' },
    hosts: { type: 'string' },
    stores: { type: 'string' },
    transports: { type: 'string' },
    entities: { type: 'string' },
    out: { type: 'string' },
    'no-half': { type: 'boolean', default: false },
    'half-duration': { type: 'string' },
    trace: { type: 'boolean', default: false },
    'local-routing': { type: 'string', default: 'on' },
    'batch-wait-ms': { type: 'string' },
    'max-batch-size': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opts.help) {
  process.stdout.write(`Usage: pnpm bench [--quick] [--workload A,B,T] [--dist uniform,zipf] [--duration <s>]
                  [--hosts pyodide,subprocess] [--stores memory,durable] [--transports inproc,http]
                  [--entities 10000] [--out results/latest.json] [--no-half] [--half-duration <s>] [--trace]
                  [--local-routing on|off]
                  [--batch-wait-ms <ms>] [--max-batch-size <n>]
`);
  process.exit(0);
}

const list = (text, all, defaults = all) => {
  if (!text) return defaults;
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!all.includes(item)) throw new Error(`unknown value '${item}' (one of ${all.join(', ')})`);
  return items;
};

const quick = opts.quick;
const config = {
  workloads: list(opts.workload, ['A', 'B', 'T']),
  dists: list(opts.dist, ['uniform', 'zipf']),
  hosts: list(opts.hosts, ['pyodide', 'subprocess'], quick ? ['subprocess'] : undefined),
  stores: list(opts.stores, ['memory', 'durable']),
  transports: list(opts.transports, ['inproc', 'http']),
  entities: Number(opts.entities ?? (quick ? 500 : 10_000)),
  durationMs: Math.round(Number(opts.duration ?? (quick ? 0.3 : 3)) * 1000),
  half: !opts['no-half'],
  // The run at half of peak is longer than the peak run: its p99 is the latency goal, and
  // a percentile of a few seconds is decided by whether one rare stall fell into them.
  halfDurationMs: Math.round(Number(opts['half-duration'] ?? (quick ? 0.3 : 10)) * 1000),
  localRouting: list(opts['local-routing'], ['on', 'off'])[0] === 'on',
  batchWaitMs: opts['batch-wait-ms'] !== undefined ? Number(opts['batch-wait-ms']) : undefined,
  maxBatchSize: opts['max-batch-size'] !== undefined ? Number(opts['max-batch-size']) : undefined,
  inprocConcurrency: quick ? 128 : 1024,
  httpSockets: quick ? 16 : 64,
  referenceOps: quick ? 50_000 : 2_000_000,
};
const out = resolve(opts.out ?? join(PKG, 'results', quick ? 'quick.json' : 'latest.json'));

/** Worker count of the subprocess host: one kernel process per core. */
const SUBPROCESS_WORKERS = Math.max(1, Math.min(cpus().length, 4));
const HOSTS = {
  pyodide: { label: 'pyodide', options: { kind: 'pyodide' }, batches: 1 },
  subprocess: { label: `subprocess×${SUBPROCESS_WORKERS}`, options: { kind: 'subprocess', workers: SUBPROCESS_WORKERS }, batches: SUBPROCESS_WORKERS },
};

const progress = (text) => process.stderr.write(`${text}\n`);
const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function loadProgram() {
  const path = join(PKG, 'programs', 'accounts.py');
  const { program, diagnostics } = await compile(readFileSync(path, 'utf8'), { path });
  if (!program) throw new Error(`programs/accounts.py does not compile: ${diagnostics.map((d) => d.message).join('; ')}`);
  return program;
}

/** Runs `load` with the stall tracer (if any) recording for it alone. */
async function traced(trace, load) {
  trace?.reset();
  trace?.start();
  try {
    return await load();
  } finally {
    trace?.stop();
  }
}

function pythonReference(workload, dist) {
  const text = execFileSync(
    process.env.STATEFLOW_PYTHON ?? 'python3',
    [join(PKG, 'reference', 'plain.py'), '--workload', workload, '--dist', dist, '--entities', String(config.entities), '--ops', String(config.referenceOps)],
    { encoding: 'utf8' },
  );
  return JSON.parse(text);
}

async function main() {
  const program = await loadProgram();
  // `--trace`: before any host starts, so the kernel processes load its Python hook.
  const trace = opts.trace ? new StallTrace() : undefined;
  const started = Date.now();
  const machine = {
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    python: execFileSync(process.env.STATEFLOW_PYTHON ?? 'python3', ['--version'], { encoding: 'utf8' }).trim(),
  };
  progress(`StateFlow bench${quick ? ' (quick)' : ''}: ${config.entities} accounts, ${config.durationMs / 1000} s per peak run${config.half ? ` and ${config.halfDurationMs / 1000} s at half of peak` : ''}, ${machine.cores} cores (${machine.cpu})`);

  const reference = {};
  for (const workload of config.workloads) {
    for (const dist of config.dists) {
      const r = pythonReference(workload, dist);
      reference[`${workload}/${dist}`] = r.opsPerSec;
      progress(`  plain Python ${workload} ${dist}: ${fmt(r.opsPerSec)} ops/s`);
    }
  }

  const rows = [];
  const total = config.hosts.length * config.stores.length * config.workloads.length * config.dists.length * config.transports.length;
  let index = 0;
  for (const hostName of config.hosts) {
    for (const store of config.stores) {
      const hostSpec = HOSTS[hostName];
      const dataDir = store === 'durable' ? mkdtempSync(join(tmpdir(), 'sf-bench-')) : undefined;
      const host = await createPythonHost({ ...hostSpec.options, stderr: 'capture' });
      const runtime = await LocalRuntime.start(program, {
        host,
        closeHostOnStop: true,
        maxConcurrentBatches: hostSpec.batches,
        localRouting: config.localRouting,
        ...(config.batchWaitMs !== undefined ? { batchWaitMs: config.batchWaitMs } : {}),
        ...(config.maxBatchSize !== undefined ? { maxBatchSize: config.maxBatchSize } : {}),
        ...(dataDir ? { dataDir } : {}),
      });
      const server = config.transports.includes('http') ? await startHttpServer(runtime, { port: 0 }) : undefined;
      trace?.watchStore(runtime.store);
      const t0 = performance.now();
      for (let i = 0; i < config.entities; i += 2000) {
        const chunk = [];
        for (let k = i; k < Math.min(config.entities, i + 2000); k++) chunk.push(runtime.create('Account', [accountKey(k), 1_000_000]));
        for (const r of await Promise.all(chunk)) if (!('ok' in r)) throw new Error(`create failed: ${JSON.stringify(r)}`);
      }
      progress(`${hostSpec.label}, ${store}: created ${config.entities} accounts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

      for (const workload of config.workloads) {
        for (const dist of config.dists) {
          for (const transport of config.transports) {
            index++;
            const seed = 1000 + index;
            const label = `[${index}/${total}] ${workload} ${dist} ${store} ${transport} ${hostSpec.label}`;
            progress(`${label} ...`);
            const warmupMs = quick ? 0 : Math.min(1000, Math.round(config.durationMs / 3));
            let peak;
            let half;
            if (transport === 'inproc') {
              const call = (op) => runtime.invoke('Account', op.key, op.method, op.args).then((r) => 'ok' in r);
              peak = await closedLoop(call, operations(workload, dist, config.entities, seed), {
                concurrency: config.inprocConcurrency,
                durationMs: config.durationMs,
                warmupMs,
              });
              if (config.half) {
                const open = { rate: peak.opsPerSec / 2, durationMs: config.halfDurationMs, warmupMs, onAnswer: trace?.onAnswer };
                half = await traced(trace, () => openLoop(call, operations(workload, dist, config.entities, seed + 1), open));
              }
            } else {
              const common = { workload, dist, entities: config.entities, sockets: config.httpSockets };
              peak = await runHttpLoad(server.url, { ...common, seed, mode: 'closed', concurrency: config.httpSockets, durationMs: config.durationMs, warmupMs });
              if (config.half) {
                const open = { ...common, seed: seed + 1, mode: 'open', rate: peak.opsPerSec / 2, durationMs: config.halfDurationMs, warmupMs };
                half = await traced(trace, () => runHttpLoad(server.url, open, trace));
              }
            }
            const ref = reference[`${workload}/${dist}`];
            const row = {
              workload,
              dist,
              store,
              transport,
              host: hostSpec.label,
              opsPerSec: peak.opsPerSec,
              p50: peak.p50,
              p99: peak.p99,
              errors: peak.errors + (half?.errors ?? 0),
              halfRate: half ? { rate: half.rate, p50: half.p50, p99: half.p99, max: half.max, dropped: half.dropped } : undefined,
              plainPythonOpsPerSec: ref,
              overhead: ref / peak.opsPerSec,
            };
            if (peak.firstError) row.firstError = peak.firstError;
            rows.push(row);
            progress(
              `${label}: ${fmt(peak.opsPerSec)} ops/s, p50 ${peak.p50.toFixed(2)} ms, p99 ${peak.p99.toFixed(2)} ms` +
                (half ? `; at ${fmt(half.rate)}/s p99 ${half.p99.toFixed(2)} ms, max ${half.max.toFixed(2)} ms` : '') +
                (row.errors ? `; ${row.errors} errors${peak.firstError ? ` (${peak.firstError})` : ''}` : ''),
            );
            // What overlapped the slow calls at half of peak: every window of a row over the goal.
            if (trace && half) progress(trace.report({ top: half.p99 >= 10 ? 5 : 0 }).replace(/^/gm, '    '));
          }
        }
      }
      await server?.close();
      await runtime.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }

  const result = { machine, config: { ...config, quick }, reference, rows, seconds: (Date.now() - started) / 1000 };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n${formatTable(rows)}\n`);
  process.stdout.write(`${goals(rows).join('\n')}\n`);
  process.stdout.write(`\nwritten to ${out} (${result.seconds.toFixed(0)} s)\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
