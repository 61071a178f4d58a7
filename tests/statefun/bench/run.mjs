#!/usr/bin/env node
/**
 * Statefun backend benchmark: the generated application, a hand-written Statefun function
 * for the same workload (the reference: no StateFlow), and the embedded runtime, in one run.
 *
 *   pnpm -F @stateflow/statefun-tests bench [--duration 10] [--entities 1000] [--concurrency 1,32] [--checkpoint 200]
 *
 * Starts a fresh Kafka (tools/engines, port 19796), deploys tests/bench/programs/accounts.py
 * with the Statefun backend (exactly-once egress, checkpoint --checkpoint ms), then the
 * reference (bench/reference/service.py, same Kafka envelope, same module settings), one
 * after the other, and runs closed loops of YCSB-A (50% read / 50% update, uniform keys)
 * and T (transfer: two hops) with the load generators of tests/bench through the Kafka
 * client transport. Prints one table with the ratios generated/reference; stops
 * everything it started, even on failure.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildStatefunApp, runStatefunApp } from '@stateflow/backend-statefun';
import { kafkaTransport } from '@stateflow/client/kafka';
import { compile } from '@stateflow/frontend-python';
import { createPythonHost } from '@stateflow/python-host';
import { LocalRuntime } from '@stateflow/runtime-local';
import { Kafka, logLevel } from 'kafkajs';
import { closedLoop } from '@stateflow/bench/load';
import { accountKey, operations } from '@stateflow/bench/workloads';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const ENGINES = join(ROOT, 'tools/engines');

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const DURATION_MS = Number(flag('duration', '10')) * 1000;
const ENTITIES = Number(flag('entities', '1000'));
const CONCURRENCY = flag('concurrency', '1,32').split(',').map(Number);
const CHECKPOINT_MS = Number(flag('checkpoint', '200'));
const PORT = Number(flag('port', '19796'));
const WORKLOADS = flag('workloads', 'A,T').split(',');
const SEMANTIC = flag('egress', 'exactly-once');
const progress = (m) => process.stderr.write(`[statefun-bench] ${m}\n`);

const cleanups = [];
async function cleanup() {
  while (cleanups.length) await cleanups.pop()().catch((e) => progress(`cleanup: ${e.message}`));
}
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

const freePort = () =>
  new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => res(port));
    });
  });

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
  const dataDir = mkdtempSync(join(tmpdir(), 'sf-statefun-bench-local-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  const host = await createPythonHost({ kind: 'subprocess', stderr: 'capture' });
  const runtime = await LocalRuntime.start(prog, { host, closeHostOnStop: true, dataDir });
  cleanups.push(() => runtime.stop());
  const created = await Promise.all(Array.from({ length: ENTITIES }, (_, k) => runtime.create('Account', [accountKey(k), 1_000_000])));
  if (!created.every((r) => 'ok' in r)) throw new Error('embedded: create failed');
  await measure('embedded (LocalRuntime, LMDB, subprocess)', (op) => runtime.invoke('Account', op.key, op.method, op.args).then((r) => 'ok' in r), rows);
  await cleanups.pop()();
}

/** Runs an application folder, measures it through the Kafka transport, stops it. */
async function onStatefun(label, dir, config, bootstrap, rows, create) {
  const t0 = Date.now();
  const app = runStatefunApp(dir);
  cleanups.push(() => app.stop());
  await app.running;
  progress(`${label}: running in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const transport = kafkaTransport({ brokers: [bootstrap], requestTopic: config.topics.ingress, replyTopic: 'bench-replies' });
  cleanups.push(() => transport.close());
  let n = 0;
  const send = (request) => transport.send(request, { requestId: `${config.appName}-${n++}`, signal: new AbortController().signal, attempt: 0 });
  if (create) {
    for (let i = 0; i < ENTITIES; i += 200) {
      const chunk = [];
      for (let k = i; k < Math.min(ENTITIES, i + 200); k++) chunk.push(send({ kind: 'create', entity: 'Account', args: [accountKey(k), 1_000_000], kwargs: {} }));
      for (const r of await Promise.all(chunk)) if (!('ok' in r)) throw new Error(`${label}: create failed: ${JSON.stringify(r)}`);
    }
    progress(`${label}: created ${ENTITIES} accounts`);
  }
  await measure(label, (op) => send({ kind: 'invoke', entity: 'Account', key: op.key, method: op.method, args: op.args, kwargs: {} }).then((r) => 'ok' in r), rows);
  await cleanups.pop()();
  await cleanups.pop()();
}

async function statefun(prog, rows) {
  await run(join(ENGINES, 'kafka/fetch.sh'), [], { timeout: 900_000 });
  await run(join(ENGINES, 'statefun/setup.sh'), [], { timeout: 900_000 });
  const kdir = mkdtempSync(join(tmpdir(), 'sf-statefun-bench-kafka-'));
  cleanups.push(() => run(join(ENGINES, 'kafka/stop.sh'), ['--dir', kdir, '--clean']));
  const bootstrap = (await run(join(ENGINES, 'kafka/start.sh'), ['--port', String(PORT), '--dir', kdir, '--fresh'])).stdout.trim().split('\n').pop();
  progress(`Kafka on ${bootstrap}`);
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'bench-replies', numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const settings = { bootstrap, checkpointIntervalMs: CHECKPOINT_MS, replyTopics: 'bench-replies', egressSemantic: SEMANTIC };

  const genDir = mkdtempSync(join(tmpdir(), 'sf-statefun-bench-gen-'));
  cleanups.push(async () => rmSync(genDir, { recursive: true, force: true }));
  const gen = await buildStatefunApp(prog, genDir, { ...settings, topicPrefix: 'bench', servicePort: await freePort() });
  await onStatefun(`statefun generated (${SEMANTIC}, checkpoint ${CHECKPOINT_MS} ms)`, genDir, gen.config, bootstrap, rows, true);

  // The reference: the same settings, the hand-written service and Statefun's own Kafka ingress.
  const refDir = mkdtempSync(join(tmpdir(), 'sf-statefun-bench-ref-'));
  cleanups.push(async () => rmSync(refDir, { recursive: true, force: true }));
  const ref = await buildStatefunApp(prog, refDir, { ...settings, topicPrefix: 'ref', servicePort: await freePort() });
  copyFileSync(join(HERE, 'reference', 'service.py'), join(refDir, 'service.py'));
  const yaml = readFileSync(join(refDir, 'module.yaml'), 'utf8')
    .replace(/functions: stateflow\/\*/, 'functions: bench/*')
    .replace(/kind: io\.stateflow\.kafka\.v1\/ingress[\s\S]*?---\n/, [
      'kind: io.statefun.kafka.v1/ingress',
      'spec:',
      '  id: bench/requests',
      `  address: ${JSON.stringify(bootstrap)}`,
      '  consumerGroupId: ref',
      '  startupPosition:',
      '    type: group-offsets',
      '  autoOffsetResetPosition: earliest',
      '  topics:',
      `    - topic: ${ref.config.topics.ingress}`,
      '      valueType: bench/request',
      '      targets:',
      '        - bench/account',
      '---\n',
    ].join('\n'));
  writeFileSync(join(refDir, 'module.yaml'), yaml);
  await onStatefun(`statefun reference, hand-written (${SEMANTIC})`, refDir, ref.config, bootstrap, rows, false);
}

function table(rows) {
  const head = ['target', 'workload', 'callers', 'ops/s', 'p50 ms', 'p99 ms', 'errors'];
  const body = rows.map((r) => [r.target, r.workload === 'A' ? 'A 50/50 r/u' : 'T transfer', String(r.concurrency), r.opsPerSec.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1), String(r.errors)]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(width[i]) : c.padStart(width[i]))).join(' | ')} |`;
  return [line(head), `|${width.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

/** Generated vs reference, per workload and callers: p50 ratio (goal <= 1.25) and throughput ratio (goal >= 0.8). */
function ratios(rows) {
  const gen = rows.filter((r) => r.target.startsWith('statefun generated'));
  const ref = rows.filter((r) => r.target.startsWith('statefun reference'));
  return gen.map((g) => {
    const r = ref.find((x) => x.workload === g.workload && x.concurrency === g.concurrency);
    return { workload: g.workload, concurrency: g.concurrency, p50Ratio: r ? g.p50 / r.p50 : NaN, throughputRatio: r ? g.opsPerSec / r.opsPerSec : NaN };
  });
}

try {
  const prog = await program();
  const rows = [];
  await embedded(prog, rows);
  await statefun(prog, rows);
  const rs = ratios(rows);
  process.stdout.write(`${table(rows)}\n\ngenerated / reference:\n`);
  for (const r of rs) process.stdout.write(`  ${r.workload} c=${r.concurrency}: p50 ${r.p50Ratio.toFixed(2)}x (goal <= 1.25), throughput ${r.throughputRatio.toFixed(2)}x (goal >= 0.8)\n`);
  writeFileSync(join(HERE, `latest-${SEMANTIC}.json`), `${JSON.stringify({ date: new Date().toISOString(), note: 'machine shared with other jobs', durationMs: DURATION_MS, entities: ENTITIES, checkpointMs: CHECKPOINT_MS, egress: SEMANTIC, rows, ratios: rs }, null, 2)}\n`);
} catch (err) {
  progress(`failed: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
