#!/usr/bin/env node
/**
 * Beam backend benchmark: the generated pipeline beside a hand-written Beam pipeline of
 * the same workload (bench/reference/pipeline.py, no StateFlow) and the embedded runtime,
 * all in the same run.
 *
 *   pnpm -F @stateflow/beam-tests bench [--duration 10] [--entities 1000] [--concurrency 1,32] [--workloads A,T]
 *                                       [--targets embedded,generated,nodedup,reference] [--bootstrap HOST:PORT]
 *
 * Starts a fresh Kafka (tools/engines, port 19692) unless given --bootstrap, deploys
 * tests/bench/programs/accounts.py on LocalRuntime (durable LMDB store, subprocess host),
 * then as the generated Beam pipeline on Prism (with request dedup, then without: the
 * admit and answers steps are two stateful steps more per request than the reference has),
 * then the reference pipeline on Prism (one at a time), and runs closed loops of YCSB-A (50% read / 50% update, uniform keys) and T
 * (transfer between two accounts) with the load generators of tests/bench. Prints one
 * table with the generated/reference ratios; stops everything it started.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildBeamPipeline, findBeamEnv, pipelineTemplateDir, runBeamPipeline } from '@stateflow/backend-beam';
import { kafkaTransport } from '@stateflow/client/kafka';
import { compile } from '@stateflow/frontend-python';
import { createPythonHost } from '@stateflow/python-host';
import { LocalRuntime } from '@stateflow/runtime-local';
import { Kafka, logLevel } from 'kafkajs';
import { closedLoop } from '@stateflow/bench/load';
import { accountKey, operations } from '@stateflow/bench/workloads';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENGINES = join(ROOT, 'tools/engines');

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const DURATION_MS = Number(flag('duration', '10')) * 1000;
const ENTITIES = Number(flag('entities', '1000'));
const CONCURRENCY = flag('concurrency', '1,32').split(',').map(Number);
const PORT = Number(flag('port', '19692'));
const WORKLOADS = flag('workloads', 'A,T').split(',');
const BOOTSTRAP = flag('bootstrap', '');
const progress = (m) => process.stderr.write(`[beam-bench] ${m}\n`);

const cleanups = [];
async function cleanup() {
  while (cleanups.length) await cleanups.pop()().catch((e) => progress(`cleanup: ${e.message}`));
}
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

async function program() {
  const path = 'tests/bench/programs/accounts.py';
  const { program, diagnostics } = await compile(readFileSync(join(ROOT, path), 'utf8'), { path });
  if (!program) throw new Error(`${path}: ${JSON.stringify(diagnostics)}`);
  return program;
}

async function measure(label, call, rows) {
  for (const workload of WORKLOADS) {
    for (const concurrency of CONCURRENCY) {
      const ops = operations(workload, 'uniform', ENTITIES, 7 + concurrency);
      const warmupMs = Math.min(2000, DURATION_MS / 4);
      const r = await closedLoop(call, ops, { concurrency, durationMs: DURATION_MS, warmupMs });
      rows.push({ target: label, workload, concurrency, opsPerSec: r.opsPerSec, p50: r.p50, p99: r.p99, errors: r.errors });
      progress(`${label} ${workload} c=${concurrency}: ${r.opsPerSec.toFixed(0)} ops/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, errors ${r.errors}`);
    }
  }
}

async function embedded(prog, rows) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sf-beam-bench-local-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const host = await createPythonHost({ kind: 'subprocess', stderr: 'capture' });
  const runtime = await LocalRuntime.start(prog, { host, closeHostOnStop: true, dataDir });
  cleanups.push(() => runtime.stop());
  const created = await Promise.all(Array.from({ length: ENTITIES }, (_, k) => runtime.create('Account', [accountKey(k), 1_000_000])));
  if (!created.every((r) => 'ok' in r)) throw new Error('embedded: create failed');
  await measure('embedded (LocalRuntime, LMDB, subprocess)', (op) => runtime.invoke('Account', op.key, op.method, op.args).then((r) => 'ok' in r), rows);
  await cleanups.pop()();
}

/** Creates the accounts through `ingress`, then measures; `start` returns the pipeline (its stop()). */
async function overKafka(label, bootstrap, ingress, start, rows) {
  const t0 = Date.now();
  const pipeline = await start();
  progress(`${label}: running in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const transport = kafkaTransport({ brokers: [bootstrap], requestTopic: ingress, replyTopic: 'bench-replies' });
  try {
    await transport.connect();
    let n = 0;
    const send = (request) => transport.send(request, { requestId: `${label.slice(0, 3)}${Date.now()}-${n++}`, signal: new AbortController().signal, attempt: 0 });
    for (let i = 0; i < ENTITIES; i += 200) {
      const chunk = [];
      for (let k = i; k < Math.min(ENTITIES, i + 200); k++) chunk.push(send({ kind: 'create', entity: 'Account', args: [accountKey(k), 1_000_000], kwargs: {} }));
      for (const r of await Promise.all(chunk)) if (!('ok' in r)) throw new Error(`${label}: create failed: ${JSON.stringify(r)}`);
    }
    progress(`${label}: created ${ENTITIES} accounts`);
    await measure(label, (op) => send({ kind: 'invoke', entity: 'Account', key: op.key, method: op.method, args: op.args, kwargs: {} }).then((r) => 'ok' in r), rows);
  } finally {
    await transport.close();
    await pipeline.stop();
  }
}

async function generated(prog, bootstrap, rows, dedup) {
  const dir = mkdtempSync(join(tmpdir(), 'sf-beam-bench-gen-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const prefix = `bench-gen-${Date.now().toString(36)}`;
  const artifact = await buildBeamPipeline(prog, dir, { bootstrap, topicPrefix: prefix, replyTopics: 'bench-replies', dedup: String(dedup) });
  await overKafka(dedup ? 'beam generated (Prism)' : 'beam generated, dedup off (Prism)', bootstrap, artifact.config.topics.ingress, async () => {
    const p = runBeamPipeline(dir);
    await p.running;
    return p;
  }, rows);
}

async function reference(bootstrap, rows) {
  const beam = findBeamEnv();
  const dir = mkdtempSync(join(tmpdir(), 'sf-beam-bench-ref-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const prefix = `bench-ref-${Date.now().toString(36)}`;
  const stopFile = join(dir, 'stop');
  await overKafka('beam hand-written (Prism)', bootstrap, `${prefix}-ingress`, async () => {
    const script = fileURLToPath(new URL('./reference/pipeline.py', import.meta.url));
    const child = spawn(beam.python, [script, '--prism', beam.prism, '--bootstrap', bootstrap, '--prefix', prefix, '--kafka-io', pipelineTemplateDir(), '--stop-file', stopFile], {
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    const exited = new Promise((r) => child.on('exit', r));
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (c) => (String(c).includes('PIPELINE_RUNNING') ? resolve() : undefined));
      child.on('exit', (code) => reject(new Error(`reference pipeline exited ${code}`)));
    });
    return {
      async stop() {
        writeFileSync(stopFile, '');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      },
    };
  }, rows);
}

function table(rows) {
  const ref = (r) => rows.find((x) => x.target.startsWith('beam hand-written') && x.workload === r.workload && x.concurrency === r.concurrency);
  const head = ['target', 'workload', 'callers', 'ops/s', 'p50 ms', 'p99 ms', 'errors', 'p50 ÷ ref', 'ops ÷ ref'];
  const body = rows.map((r) => {
    const b = r.target.startsWith('beam generated') ? ref(r) : undefined;
    return [
      r.target,
      r.workload === 'A' ? 'A 50/50 r/u' : 'T transfer',
      String(r.concurrency),
      r.opsPerSec.toFixed(0),
      r.p50.toFixed(1),
      r.p99.toFixed(1),
      String(r.errors),
      b ? `${(r.p50 / b.p50).toFixed(2)}×` : '',
      b ? `${(r.opsPerSec / b.opsPerSec).toFixed(2)}×` : '',
    ];
  });
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(width[i]) : c.padStart(width[i]))).join(' | ')} |`;
  return [line(head), `|${width.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

try {
  const prog = await program();
  const rows = [];
  let bootstrap = BOOTSTRAP;
  if (!bootstrap) {
    await run(join(ENGINES, 'kafka/fetch.sh'), [], { timeout: 900_000 });
    const kdir = mkdtempSync(join(tmpdir(), 'sf-beam-bench-kafka-'));
    cleanups.push(() => run(join(ENGINES, 'kafka/stop.sh'), ['--dir', kdir, '--clean']));
    bootstrap = (await run(join(ENGINES, 'kafka/start.sh'), ['--port', String(PORT), '--dir', kdir, '--fresh'])).stdout.trim().split('\n').pop();
  }
  await run(join(ENGINES, 'beam/setup.sh'), [], { timeout: 1_800_000 });
  progress(`Kafka on ${bootstrap}`);
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  if (!(await admin.listTopics()).includes('bench-replies')) await admin.createTopics({ topics: [{ topic: 'bench-replies', numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const targets = flag('targets', 'embedded,generated,nodedup,reference').split(',');
  if (targets.includes('embedded')) await embedded(prog, rows);
  if (targets.includes('generated')) await generated(prog, bootstrap, rows, true);
  if (targets.includes('nodedup')) await generated(prog, bootstrap, rows, false);
  if (targets.includes('reference')) await reference(bootstrap, rows);
  const text = table(rows);
  process.stdout.write(`${text}\n`);
  // Only a run of every target replaces the recorded one.
  if (targets.length === 4) writeFileSync(join(ROOT, 'tests/beam/bench/latest.json'), `${JSON.stringify({ date: new Date().toISOString(), machine: 'shared: 2 cores, other lanes running engines at the same time', durationMs: DURATION_MS, entities: ENTITIES, rows }, null, 2)}\n`);
} catch (err) {
  progress(`failed: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
