#!/usr/bin/env node
/**
 * Flink backend benchmark, side by side with the embedded runtime in the same run.
 *
 *   pnpm -F @stateflow/flink-tests bench [--duration 10] [--entities 1000] [--concurrency 1,32] [--checkpoint 200[,50,...]]
 *                                        [--targets embedded,flink,reference] [--local-hops on,off] [--parallelism 1]
 *
 * Starts a fresh Kafka (tools/engines, port 19882), deploys tests/bench/programs/accounts.py
 * as a PyFlink job (exactly-once; one job per --checkpoint interval, in ms) and on LocalRuntime
 * (durable LMDB store, subprocess host), and runs closed loops of YCSB-A (50% read / 50%
 * update, uniform keys) and T (transfer between two accounts: two hops) with the load
 * generators of tests/bench. Prints one table; stops everything it started, even on failure.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawn } from 'node:child_process';
import { buildFlinkJob, findFlinkEnv, runFlinkJob } from '@stateflow/backend-flink';
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
const CHECKPOINTS = flag('checkpoint', '200').split(',').map(Number);
const TARGETS = flag('targets', 'embedded,flink').split(',');
const LOCAL_HOPS = flag('local-hops', 'on').split(',');
const PARALLELISM = Number(flag('parallelism', '1'));
const PORT = Number(flag('port', '19882'));
const WORKLOADS = flag('workloads', 'A,T').split(',');
const progress = (m) => process.stderr.write(`[flink-bench] ${m}\n`);

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

async function measure(label, call, rows, extra) {
  for (const workload of WORKLOADS) {
    for (const concurrency of CONCURRENCY) {
      const ops = operations(workload, 'uniform', ENTITIES, 7 + concurrency);
      const warmupMs = Math.min(2000, DURATION_MS / 4);
      const r = await closedLoop(call, ops, { concurrency, durationMs: DURATION_MS, warmupMs });
      const row = { target: label, workload, concurrency, opsPerSec: r.opsPerSec, p50: r.p50, p99: r.p99, errors: r.errors, ...extra };
      rows.push(row);
      progress(`${label} ${workload} c=${concurrency}: ${r.opsPerSec.toFixed(0)} ops/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, errors ${r.errors}`);
    }
  }
}

async function embedded(prog, rows) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sf-flink-bench-local-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const host = await createPythonHost({ kind: 'subprocess', stderr: 'capture' });
  const runtime = await LocalRuntime.start(prog, { host, closeHostOnStop: true, dataDir });
  cleanups.push(() => runtime.stop());
  const created = await Promise.all(Array.from({ length: ENTITIES }, (_, k) => runtime.create('Account', [accountKey(k), 1_000_000])));
  if (!created.every((r) => 'ok' in r)) throw new Error('embedded: create failed');
  await measure('embedded (LocalRuntime, LMDB, subprocess)', (op) => runtime.invoke('Account', op.key, op.method, op.args).then((r) => 'ok' in r), rows);
  await cleanups.pop()();
}

async function startKafka() {
  await run(join(ENGINES, 'kafka/fetch.sh'), [], { timeout: 900_000 });
  await run(join(ENGINES, 'flink/setup.sh'), [], { timeout: 900_000 });
  const kdir = mkdtempSync(join(tmpdir(), 'sf-flink-bench-kafka-'));
  cleanups.push(() => run(join(ENGINES, 'kafka/stop.sh'), ['--dir', kdir, '--clean']));
  const bootstrap = (await run(join(ENGINES, 'kafka/start.sh'), ['--port', String(PORT), '--dir', kdir, '--fresh'])).stdout.trim().split('\n').pop();
  progress(`Kafka on ${bootstrap}`);
  return bootstrap;
}

async function flink(prog, rows, bootstrap, checkpointMs, localHops) {
  const dir = mkdtempSync(join(tmpdir(), 'sf-flink-bench-job-'));
  const prefix = `bench${checkpointMs}${localHops}`;
  const replies = `${prefix}-replies`;
  const artifact = await buildFlinkJob(prog, dir, { bootstrap, topicPrefix: prefix, checkpointIntervalMs: checkpointMs, replyTopics: replies, localHops: localHops === 'on', parallelism: PARALLELISM });
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: replies, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const t0 = Date.now();
  const job = runFlinkJob(dir, { args: ['--partitions', String(PARALLELISM)] });
  const done = [async () => rmSync(dir, { recursive: true, force: true }), () => job.stop()];
  cleanups.push(...done);
  await job.running;
  progress(`job running in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const transport = kafkaTransport({ brokers: [bootstrap], requestTopic: artifact.config.topics.ingress, replyTopic: replies });
  cleanups.push(() => transport.close());
  done.push(cleanups.at(-1));
  let n = 0;
  const send = (request) => transport.send(request, { requestId: `b${n++}`, signal: new AbortController().signal, attempt: 0 });
  for (let i = 0; i < ENTITIES; i += 200) {
    const chunk = [];
    for (let k = i; k < Math.min(ENTITIES, i + 200); k++) chunk.push(send({ kind: 'create', entity: 'Account', args: [accountKey(k), 1_000_000], kwargs: {} }));
    for (const r of await Promise.all(chunk)) if (!('ok' in r)) throw new Error(`flink: create failed: ${JSON.stringify(r)}`);
  }
  progress(`created ${ENTITIES} accounts`);
  const label = `flink (p=${PARALLELISM}, checkpoint ${checkpointMs} ms, local hops ${localHops})`;
  await measure(label, (op) => send({ kind: 'invoke', entity: 'Account', key: op.key, method: op.method, args: op.args, kwargs: {} }).then((r) => 'ok' in r), rows, { checkpointMs, localHops, parallelism: PARALLELISM });
  // This job's transport, job and folder (the cleanups pushed above), before the next job starts.
  for (const step of done.reverse()) {
    cleanups.splice(cleanups.indexOf(step), 1);
    await step();
  }
}

/** The hand-written PyFlink job (bench/reference_job.py, no StateFlow) for the same workload and guarantees. */
async function reference(rows, bootstrap, checkpointMs) {
  const dir = mkdtempSync(join(tmpdir(), 'sf-flink-bench-ref-'));
  const prefix = `ref${checkpointMs}`;
  const env = findFlinkEnv();
  const stopFile = join(dir, 'stop');
  const script = fileURLToPath(new URL('./reference_job.py', import.meta.url));
  const args = [script, '--bootstrap', bootstrap, '--prefix', prefix, '--jar', env.kafkaJar, '--parallelism', String(PARALLELISM), '--checkpoint-interval', String(checkpointMs), '--stop-file', stopFile];
  const child = spawn(env.python, args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, FLINK_LOG_DIR: dir } });
  const exited = new Promise((r) => child.on('exit', r));
  const stop = async () => {
    writeFileSync(stopFile, '');
    const t = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 30_000);
    await exited;
    clearTimeout(t);
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(stop);
  const t0 = Date.now();
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('JOB_RUNNING')) resolve();
    });
    exited.then(() => reject(new Error(`the reference job exited before running: ${out}`)));
  });
  progress(`reference job running in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const transport = kafkaTransport({ brokers: [bootstrap], requestTopic: `${prefix}-ingress`, replyTopic: `${prefix}-replies` });
  cleanups.push(() => transport.close());
  let n = 0;
  const send = (request) => transport.send(request, { requestId: `r${n++}`, signal: new AbortController().signal, attempt: 0 });
  for (let i = 0; i < ENTITIES; i += 200) {
    const chunk = [];
    for (let k = i; k < Math.min(ENTITIES, i + 200); k++) chunk.push(send({ kind: 'create', entity: 'Account', args: [accountKey(k), 1_000_000], kwargs: {} }));
    for (const r of await Promise.all(chunk)) if (!('ok' in r)) throw new Error(`reference: create failed: ${JSON.stringify(r)}`);
  }
  const label = `hand-written PyFlink (p=${PARALLELISM}, checkpoint ${checkpointMs} ms)`;
  await measure(label, (op) => send({ kind: 'invoke', entity: 'Account', key: op.key, method: op.method, args: op.args, kwargs: {} }).then((r) => 'ok' in r), rows, { checkpointMs, reference: true, parallelism: PARALLELISM });
  await cleanups.pop()();
  await cleanups.pop()();
}

function table(rows) {
  const head = ['target', 'workload', 'callers', 'ops/s', 'p50 ms', 'p99 ms', 'errors'];
  const body = rows.map((r) => [r.target, r.workload === 'A' ? 'A 50/50 r/u' : 'T transfer', String(r.concurrency), r.opsPerSec.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1), String(r.errors)]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(width[i]) : c.padStart(width[i]))).join(' | ')} |`;
  return [line(head), `|${width.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

try {
  const prog = await program();
  const rows = [];
  if (TARGETS.includes('embedded')) await embedded(prog, rows);
  if (TARGETS.includes('flink') || TARGETS.includes('reference')) {
    const bootstrap = await startKafka();
    if (TARGETS.includes('flink')) for (const localHops of LOCAL_HOPS) for (const checkpointMs of CHECKPOINTS) await flink(prog, rows, bootstrap, checkpointMs, localHops);
    if (TARGETS.includes('reference')) for (const checkpointMs of CHECKPOINTS) await reference(rows, bootstrap, checkpointMs);
  }
  const text = table(rows);
  process.stdout.write(`${text}\n`);
  writeFileSync(join(ROOT, 'tests/flink/bench', flag('out', 'latest.json')), `${JSON.stringify({ date: new Date().toISOString(), durationMs: DURATION_MS, entities: ENTITIES, checkpoints: CHECKPOINTS, rows }, null, 2)}\n`);
} catch (err) {
  progress(`failed: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
