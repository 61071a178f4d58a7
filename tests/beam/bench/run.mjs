#!/usr/bin/env node
/**
 * Beam backend benchmark: the generated pipeline beside a hand-written Beam pipeline of
 * the same workload (bench/reference/pipeline.py, no StateFlow), the embedded runtime and
 * the Flink backend, in one run.
 *
 *   pnpm -F @stateflow/beam-tests bench [--duration 5] [--rounds 3] [--entities 1000] [--concurrency 1,32] [--workloads A,T]
 *                                       [--targets embedded,flink,generated,reference] [--port 19692] [--baseline-from CHECKOUT]
 *
 * Beam targets: `generated`, `nodedup` (generated with `dedup: false`), `nodetach` (generated
 * with `resumeDetached: false`: the caller resumes after every call), `baseline` (the
 * generated pipeline as another checkout builds it, `--baseline-from` naming that checkout,
 * whose @stateflow/backend-beam is built: a before/after comparison in one run), `reference`, and
 * two probes of where the time goes: `ref+N` (the reference with N more stateful steps that
 * only read and write a small cell) and `echo` (answers from a stateless step: Kafka in and
 * out through Prism, no state). The Beam targets are all deployed at once, on one Kafka,
 * and measured in interleaved rounds (round r: each workload and caller count, each target
 * in turn, the order reversed every other round), so a change of the machine's load hits
 * them alike; the table gives each row's median over the rounds and the median of the
 * per-round ratios to the reference. The embedded runtime and Flink (one job, checkpoints
 * every 200 ms, exactly-once) are measured once each, before the Beam targets, one
 * deployment at a time. Starts a fresh Kafka on --port (tools/engines) and
 * stops everything it started, even on failure.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildBeamPipeline, findBeamEnv, pipelineTemplateDir, runBeamPipeline } from '@stateflow/backend-beam';
import { buildFlinkJob, runFlinkJob } from '@stateflow/backend-flink';
import { uuidv7 } from '@stateflow/client';
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
const DURATION_MS = Number(flag('duration', '5')) * 1000;
const WARMUP_MS = Math.min(1000, DURATION_MS / 4);
const ROUNDS = Number(flag('rounds', '3'));
const ENTITIES = Number(flag('entities', '1000'));
const CONCURRENCY = flag('concurrency', '1,32').split(',').map(Number);
const PORT = Number(flag('port', '19692'));
const WORKLOADS = flag('workloads', 'A,T').split(',');
const TARGETS = flag('targets', 'embedded,flink,generated,reference').split(',');
const DEFAULT_TARGETS = 'embedded,flink,generated,reference';
const BASELINE_FROM = flag('baseline-from', undefined);
const GENERATED = ['generated', 'nodedup', 'nodetach', 'baseline'];
const progress = (m) => process.stderr.write(`[beam-bench] ${m}\n`);

const cleanups = [];
async function cleanup() {
  while (cleanups.length) await cleanups.pop()().catch((e) => progress(`cleanup: ${e.message}`));
}
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
process.once('SIGTERM', () => void cleanup().finally(() => process.exit(143)));

async function program() {
  const path = 'tests/bench/programs/accounts.py';
  const { program, diagnostics } = await compile(readFileSync(join(ROOT, path), 'utf8'), { path });
  if (!program) throw new Error(`${path}: ${JSON.stringify(diagnostics)}`);
  return program;
}

/** One row: a closed loop of `workload` with `concurrency` callers on `call`. */
async function measureOne(label, call, workload, concurrency, round, rows) {
  const ops = operations(workload, 'uniform', ENTITIES, 7 + concurrency + 1000 * round);
  const r = await closedLoop(call, ops, { concurrency, durationMs: DURATION_MS, warmupMs: WARMUP_MS });
  rows.push({ target: label, workload, concurrency, round, opsPerSec: r.opsPerSec, p50: r.p50, p99: r.p99, errors: r.errors });
  progress(`${label} ${workload} c=${concurrency} round ${round}: ${r.opsPerSec.toFixed(0)} ops/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, errors ${r.errors}`);
}

async function measureAll(label, call, rows) {
  for (const workload of WORKLOADS) for (const concurrency of CONCURRENCY) await measureOne(label, call, workload, concurrency, 1, rows);
}

async function embedded(prog, rows) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sf-beam-bench-local-'));
  const host = await createPythonHost({ kind: 'subprocess', stderr: 'capture' });
  const runtime = await LocalRuntime.start(prog, { host, closeHostOnStop: true, dataDir });
  const done = async () => {
    await runtime.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  cleanups.push(done);
  const created = await Promise.all(Array.from({ length: ENTITIES }, (_, k) => runtime.create('Account', [accountKey(k), 1_000_000])));
  if (!created.every((r) => 'ok' in r)) throw new Error('embedded: create failed');
  await measureAll('embedded', (op) => runtime.invoke('Account', op.key, op.method, op.args).then((r) => 'ok' in r), rows);
  cleanups.splice(cleanups.indexOf(done), 1);
  await done();
}

/** A Kafka client for one deployment; creates the accounts through it. */
async function connect(label, bootstrap, requestTopic, replyTopic) {
  const transport = kafkaTransport({ brokers: [bootstrap], requestTopic, replyTopic });
  await transport.connect();
  // UUIDv7 ids, as the clients send them (dated: a key's request table stays short).
  const send = (request) => transport.send(request, { requestId: uuidv7(), signal: new AbortController().signal, attempt: 0 });
  const t0 = Date.now();
  for (let i = 0; i < ENTITIES; i += 200) {
    const chunk = [];
    for (let k = i; k < Math.min(ENTITIES, i + 200); k++) chunk.push(send({ kind: 'create', entity: 'Account', args: [accountKey(k), 1_000_000], kwargs: {} }));
    for (const r of await Promise.all(chunk)) if (!('ok' in r)) throw new Error(`${label}: create failed: ${JSON.stringify(r)}`);
  }
  progress(`${label}: created ${ENTITIES} accounts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return {
    call: (op) => send({ kind: 'invoke', entity: 'Account', key: op.key, method: op.method, args: op.args, kwargs: {} }).then((r) => 'ok' in r),
    close: () => transport.close(),
  };
}

async function createTopic(bootstrap, topic) {
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  if (!(await admin.listTopics()).includes(topic)) await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
}

/** The Flink backend's job for the same program (checkpoints every 200 ms), measured once. */
async function flink(prog, bootstrap, rows) {
  await run(join(ENGINES, 'flink/setup.sh'), [], { timeout: 1_800_000 });
  const dir = mkdtempSync(join(tmpdir(), 'sf-beam-bench-flink-'));
  const prefix = `bench-flink-${Date.now().toString(36)}`;
  const replies = `${prefix}-replies`;
  const artifact = await buildFlinkJob(prog, dir, { bootstrap, topicPrefix: prefix, checkpointIntervalMs: 200, replyTopics: replies });
  await createTopic(bootstrap, replies);
  const t0 = Date.now();
  const job = runFlinkJob(dir, { args: ['--partitions', '1'] });
  const stopJob = async () => {
    await job.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(stopJob);
  await job.running;
  progress(`flink: running in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const client = await connect('flink', bootstrap, artifact.config.topics.ingress, replies);
  try {
    await measureAll('flink', client.call, rows);
  } finally {
    await client.close();
    cleanups.splice(cleanups.indexOf(stopJob), 1);
    await stopJob();
  }
}

/** Starts one Beam target; resolves to `{ label, ingress, replies, stop }` once it runs. */
async function startBeam(prog, bootstrap, target) {
  const dir = mkdtempSync(join(tmpdir(), 'sf-beam-bench-'));
  const prefix = `bench-${target.replace(/[^a-z0-9]/gi, '')}-${Date.now().toString(36)}`;
  const replies = `${prefix}-replies`;
  await createTopic(bootstrap, replies);
  const t0 = Date.now();
  let stop;
  let ingress = `${prefix}-ingress`;
  if (GENERATED.includes(target)) {
    if (target === 'baseline' && !BASELINE_FROM) throw new Error('the baseline target needs --baseline-from CHECKOUT');
    const build = target === 'baseline' ? (await import(join(BASELINE_FROM, 'packages/backend-beam/dist/index.js'))).buildBeamPipeline : buildBeamPipeline;
    const artifact = await build(prog, dir, {
      bootstrap,
      topicPrefix: prefix,
      replyTopics: replies,
      dedup: String(target !== 'nodedup'),
      resumeDetached: String(target !== 'nodetach'),
    });
    ingress = artifact.config.topics.ingress;
    const p = runBeamPipeline(dir);
    stop = async () => {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    cleanups.push(stop);
    await p.running;
  } else {
    const beam = findBeamEnv();
    const stopFile = join(dir, 'stop');
    const script = fileURLToPath(new URL('./reference/pipeline.py', import.meta.url));
    const variant = target === 'echo' ? ['--echo'] : target === 'refwrite' ? ['--always-write'] : target === 'refappend' ? ['--always-append'] : target.startsWith('ref+') ? ['--extra-steps', target.slice(4)] : [];
    const child = spawn(beam.python, [script, '--prism', beam.prism, '--bootstrap', bootstrap, '--prefix', prefix, '--kafka-io', pipelineTemplateDir(), '--stop-file', stopFile, ...variant], {
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    const exited = new Promise((r) => child.on('exit', r));
    stop = async () => {
      writeFileSync(stopFile, '');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      try {
        process.kill(-child.pid, 'SIGKILL'); // Prism and the workers are in the group
      } catch {
        /* gone */
      }
      rmSync(dir, { recursive: true, force: true });
    };
    cleanups.push(stop);
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (c) => (String(c).includes('PIPELINE_RUNNING') ? resolve() : undefined));
      child.on('exit', (code) => reject(new Error(`${target}: the reference pipeline exited ${code}`)));
    });
  }
  progress(`${target}: running in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { label: target, ingress, replies, stop };
}

/** All Beam targets at once, measured in interleaved rounds. */
async function beamRounds(prog, bootstrap, targets, rows) {
  await run(join(ENGINES, 'beam/setup.sh'), [], { timeout: 1_800_000 });
  const deployed = [];
  for (const target of targets) deployed.push(await startBeam(prog, bootstrap, target));
  const clients = [];
  for (const d of deployed) {
    const client = await connect(d.label, bootstrap, d.ingress, d.replies);
    cleanups.push(client.close);
    clients.push({ label: d.label, call: client.call });
  }
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 ? clients : [...clients].reverse();
    for (const workload of WORKLOADS) for (const concurrency of CONCURRENCY) for (const c of order) await measureOne(c.label, c.call, workload, concurrency, round, rows);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One line per target, workload and caller count: medians over the rounds, and the median per-round ratio to the reference. */
function summarise(rows) {
  const groups = new Map();
  for (const r of rows) {
    const id = `${r.target}|${r.workload}|${r.concurrency}`;
    if (!groups.has(id)) groups.set(id, []);
    groups.get(id).push(r);
  }
  const out = [];
  for (const list of groups.values()) {
    const { target, workload, concurrency } = list[0];
    const line = { target, workload, concurrency, rounds: list.length, opsPerSec: median(list.map((r) => r.opsPerSec)), p50: median(list.map((r) => r.p50)), p99: median(list.map((r) => r.p99)), errors: list.reduce((n, r) => n + r.errors, 0) };
    const ref = rows.filter((x) => x.target === 'reference' && x.workload === workload && x.concurrency === concurrency);
    // Only the Beam targets ran in the reference's rounds (the embedded runtime and Flink did not).
    if (ref.length && ([...GENERATED, 'echo', 'refwrite', 'refappend'].includes(target) || target.startsWith('ref+'))) {
      const pair = (r) => ref.find((x) => x.round === r.round);
      line.p50Ratio = median(list.filter(pair).map((r) => r.p50 / pair(r).p50));
      line.opsRatio = median(list.filter(pair).map((r) => r.opsPerSec / pair(r).opsPerSec));
    }
    out.push(line);
  }
  return out;
}

function table(lines) {
  const head = ['target', 'workload', 'callers', 'rounds', 'ops/s', 'p50 ms', 'p99 ms', 'errors', 'p50 ÷ ref', 'ops ÷ ref'];
  const body = lines.map((r) => [
    r.target,
    r.workload === 'A' ? 'A 50/50 r/u' : 'T transfer',
    String(r.concurrency),
    String(r.rounds),
    r.opsPerSec.toFixed(0),
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    String(r.errors),
    r.p50Ratio !== undefined ? `${r.p50Ratio.toFixed(2)}×` : '',
    r.opsRatio !== undefined ? `${r.opsRatio.toFixed(2)}×` : '',
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(width[i]) : c.padStart(width[i]))).join(' | ')} |`;
  return [line(head), `|${width.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

const started = Date.now();
try {
  const prog = await program();
  const rows = [];
  await run(join(ENGINES, 'kafka/fetch.sh'), [], { timeout: 900_000 });
  const kdir = mkdtempSync(join(tmpdir(), 'sf-beam-bench-kafka-'));
  cleanups.push(() => run(join(ENGINES, 'kafka/stop.sh'), ['--dir', kdir, '--clean']));
  const bootstrap = (await run(join(ENGINES, 'kafka/start.sh'), ['--port', String(PORT), '--dir', kdir, '--fresh'])).stdout.trim().split('\n').pop();
  progress(`Kafka on ${bootstrap}`);
  if (TARGETS.includes('embedded')) await embedded(prog, rows);
  if (TARGETS.includes('flink')) await flink(prog, bootstrap, rows);
  const beamTargets = TARGETS.filter((t) => [...GENERATED, 'reference', 'echo', 'refwrite', 'refappend'].includes(t) || t.startsWith('ref+'));
  if (beamTargets.length) await beamRounds(prog, bootstrap, beamTargets, rows);
  const lines = summarise(rows);
  process.stdout.write(`${table(lines)}\n`);
  const seconds = (Date.now() - started) / 1000;
  progress(`done in ${seconds.toFixed(0)} s`);
  // Only a run of the default targets replaces the recorded one.
  if (TARGETS.join(',') === DEFAULT_TARGETS)
    writeFileSync(
      join(ROOT, 'tests/beam/bench/latest.json'),
      `${JSON.stringify({ date: new Date().toISOString(), machine: 'shared: 2 cores, other engines running at the same time', seconds, durationMs: DURATION_MS, rounds: ROUNDS, entities: ENTITIES, summary: lines, rows }, null, 2)}\n`,
    );
} catch (err) {
  progress(`failed: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
