#!/usr/bin/env node
/**
 * Statefun backend benchmark, side by side with the embedded runtime and the Flink backend,
 * with a hand-written Statefun function for the same workload (the reference: no StateFlow).
 *
 *   pnpm -F @stateflow/statefun-tests bench [--rounds 3] [--duration 3] [--entities 1000] [--concurrency 1,32]
 *        [--checkpoint 200] [--egress exactly-once,at-least-once] [--targets embedded,flink,statefun] [--workloads A,T]
 *        [--request-ids uuidv7|plain] [--out latest.json (relative to bench/, or absolute)] [--jit-warmup 60]
 *        [--gen-set key=value,... (settings of the generated application)] [--flink key=value,...]
 *
 * Starts a fresh Kafka (tools/engines, port 19796) and runs closed loops of YCSB-A (50% read /
 * 50% update, uniform keys) and T (transfer: two hops) with the load generators of tests/bench
 * over tests/bench/programs/accounts.py:
 *
 * 1. on the embedded runtime (LocalRuntime, LMDB, subprocess host), in this process;
 * 2. on the Flink backend (a PyFlink job, exactly-once, checkpoint --checkpoint ms), through Kafka;
 * 3. per --egress semantic, ONE Statefun deployment (one JVM, one job, one checkpoint cadence)
 *    that holds both the generated application (`stateflow/*` functions, its ingress topic)
 *    and the reference (`bench/*` functions, its own ingress topic, its own service): rows of
 *    the two are interleaved (A-gen, A-ref, T-gen, T-ref, ..., the order swapped every round)
 *    for --rounds rounds of --duration seconds, so a change of the machine's load hits both.
 *
 * Prints per target the medians over rounds (ops/s, p50, p99) and the generated/reference
 * ratios (the median of the per-round ratios); writes bench/latest.json. Stops everything it
 * started, even on failure.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildFlinkJob, runFlinkJob } from '@stateflow/backend-flink';
import { buildStatefunApp, findStatefunEnv, runStatefunApp } from '@stateflow/backend-statefun';
import { uuidv7 } from '@stateflow/client';
import { kafkaTransport } from '@stateflow/client/kafka';
import { compile } from '@stateflow/frontend-python';
import { createPythonHost } from '@stateflow/python-host';
import { LocalRuntime } from '@stateflow/runtime-local';
import { Kafka, logLevel } from 'kafkajs';
import { closedLoop } from '@stateflow/bench/load';
import { processCpuMs, jvmThreadsCpu } from '@stateflow/bench/process-cpu';
import { accountKey, operations } from '@stateflow/bench/workloads';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const ENGINES = join(ROOT, 'tools/engines');

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const ROUNDS = Number(flag('rounds', '3'));
const DURATION_MS = Number(flag('duration', '3')) * 1000;
const WARMUP_MS = Number(flag('warmup', '1')) * 1000;
const ENTITIES = Number(flag('entities', '1000'));
const CONCURRENCY = flag('concurrency', '1,32').split(',').map(Number);
const CHECKPOINT_MS = Number(flag('checkpoint', '200'));
const PORT = Number(flag('port', '19796'));
const WORKLOADS = flag('workloads', 'A,T').split(',');
const SEMANTICS = flag('egress', 'exactly-once,at-least-once').split(',');
const TARGETS = flag('targets', 'embedded,flink,statefun').split(',');
/** Where the results go: a path relative to bench/ (the default: bench/latest.json) or an absolute one. */
const OUT = flag('out', 'latest.json');
/** Keep the Statefun deployments' logs (module.yaml, flink.log, service logs) under this folder. */
const KEEP_LOGS = flag('keep-logs', '');
// Request ids: `uuidv7` (the client's default; dated, so a callee's answer needs no Settle) or
// `plain` (`<prefix>-0`, `<prefix>-1`, ...: undated, kept for good, and answered with a Settle).
const PLAIN_IDS = flag('request-ids', 'uuidv7') === 'plain';
/**
 * At most this many seconds of extra warm-up of a Statefun deployment, until the JVM's JIT
 * compilers have gone quiet (see warmUntilCompiled); 0 for the fixed warm-up alone.
 */
const JIT_WARMUP_S = Number(flag('jit-warmup', '60'));
/** Extra settings of the generated application only, `key=value,...` (`stateflow build --set`; for experiments). */
const GEN_SETTINGS = Object.fromEntries(flag('gen-set', '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
/** Extra Flink settings of the Statefun deployment, `key=value,...` (for experiments). */
const FLINK_PROPS = Object.fromEntries(flag('flink', '').split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const progress = (m) => process.stderr.write(`[statefun-bench ${((Date.now() - T0) / 1000).toFixed(0)}s] ${m}\n`);
const T0 = Date.now();

const cleanups = [];
/** The Statefun set-up of tools/engines/statefun (found once, launcher jar copied). */
let statefunEnv;
async function cleanup() {
  while (cleanups.length) await cleanups.pop()().catch((e) => progress(`cleanup: ${e.message}`));
}
/** Runs `step` now and removes it from the cleanups. */
async function release(step) {
  const i = cleanups.indexOf(step);
  if (i >= 0) cleanups.splice(i, 1);
  await step();
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

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** CPU ms so far of the JVM's JIT compiler threads, or NaN. */
const jitCpuMs = (pid) => jvmThreadsCpu(pid)?.jit ?? NaN;

/** One closed loop of `workload` with `concurrency` callers; appends a sample to `samples`. */
async function sample(samples, target, call, workload, concurrency, round, extra = {}, pids = undefined) {
  const ops = operations(workload, 'uniform', ENTITIES, 7 + concurrency + 101 * round);
  const cpu0 = pids ? [processCpuMs(pids.service), processCpuMs(pids.jvm), jitCpuMs(pids.jvm)] : [];
  const t0 = performance.now();
  const r = await closedLoop(call, ops, { concurrency, durationMs: DURATION_MS, warmupMs: WARMUP_MS });
  // CPU per operation of the function service and of the Statefun JVM (which runs both
  // applications; the other one is idle meanwhile). Warm-up included in both terms: approximate.
  const n = r.opsPerSec * ((performance.now() - t0) / 1000);
  const serviceCpuMsPerOp = pids ? (processCpuMs(pids.service) - cpu0[0]) / n : undefined;
  const jvmCpuMsPerOp = pids ? (processCpuMs(pids.jvm) - cpu0[1]) / n : undefined;
  // Of which the JIT compilers (a start-up cost: it falls on whichever side runs while they work).
  const jitCpuMsPerOp = pids ? Math.max(0, jitCpuMs(pids.jvm) - cpu0[2]) / n : undefined;
  samples.push({ target, workload, concurrency, round, opsPerSec: r.opsPerSec, p50: r.p50, p99: r.p99, errors: r.errors, serviceCpuMsPerOp, jvmCpuMsPerOp, jitCpuMsPerOp, ...extra });
  progress(
    `${target} ${workload} c=${concurrency} round ${round}: ${r.opsPerSec.toFixed(1)} ops/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, errors ${r.errors}` +
      (pids ? `, CPU ms/op: service ${serviceCpuMsPerOp.toFixed(2)}, JVM ${jvmCpuMsPerOp.toFixed(2)} (JIT ${jitCpuMsPerOp.toFixed(2)})` : ''),
  );
}

/** Creates the accounts through `send` (200 at a time). */
async function createAccounts(label, send) {
  for (let i = 0; i < ENTITIES; i += 200) {
    const chunk = [];
    for (let k = i; k < Math.min(ENTITIES, i + 200); k++) chunk.push(send({ kind: 'create', entity: 'Account', args: [accountKey(k), 1_000_000], kwargs: {} }));
    for (const r of await Promise.all(chunk)) if (!('ok' in r)) throw new Error(`${label}: create failed: ${JSON.stringify(r)}`);
  }
  progress(`${label}: created ${ENTITIES} accounts`);
}

/** A Kafka-transport caller of the accounts program on `requestTopic`, replies on `replyTopic`. */
function kafkaCaller(bootstrap, requestTopic, replyTopic, idPrefix) {
  const transport = kafkaTransport({ brokers: [bootstrap], requestTopic, replyTopic });
  let n = 0;
  const send = (request) => transport.send(request, { requestId: PLAIN_IDS ? `${idPrefix}-${n++}` : uuidv7(), signal: new AbortController().signal, attempt: 0 });
  const call = (op) => send({ kind: 'invoke', entity: 'Account', key: op.key, method: op.method, args: op.args, kwargs: {} }).then((r) => 'ok' in r);
  return { send, call, close: () => transport.close() };
}

async function createTopics(bootstrap, names) {
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: names.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
  await admin.disconnect();
}

async function embedded(prog, samples) {
  const label = 'embedded (LocalRuntime, LMDB, subprocess)';
  const dataDir = mkdtempSync(join(tmpdir(), 'sf-statefun-bench-local-'));
  const removeDir = async () => rmSync(dataDir, { recursive: true, force: true });
  cleanups.push(removeDir);
  const host = await createPythonHost({ kind: 'subprocess', stderr: 'capture' });
  const runtime = await LocalRuntime.start(prog, { host, closeHostOnStop: true, dataDir });
  const stop = () => runtime.stop();
  cleanups.push(stop);
  const created = await Promise.all(Array.from({ length: ENTITIES }, (_, k) => runtime.create('Account', [accountKey(k), 1_000_000])));
  if (!created.every((r) => 'ok' in r)) throw new Error('embedded: create failed');
  const call = (op) => runtime.invoke('Account', op.key, op.method, op.args).then((r) => 'ok' in r);
  for (const workload of WORKLOADS) for (const c of CONCURRENCY) await sample(samples, label, call, workload, c, 0);
  await release(stop);
  await release(removeDir);
}

/** The Flink backend: its PyFlink job (exactly-once, same checkpoint interval) on the same Kafka. */
async function flink(prog, samples, bootstrap) {
  await run(join(ENGINES, 'flink/setup.sh'), [], { timeout: 900_000 });
  const label = `flink (PyFlink job, exactly-once, checkpoint ${CHECKPOINT_MS} ms)`;
  const dir = mkdtempSync(join(tmpdir(), 'sf-statefun-bench-flink-'));
  const removeDir = async () => rmSync(dir, { recursive: true, force: true });
  cleanups.push(removeDir);
  const replies = 'flink-replies';
  await createTopics(bootstrap, [replies]);
  const artifact = await buildFlinkJob(prog, dir, { bootstrap, topicPrefix: 'flink', checkpointIntervalMs: CHECKPOINT_MS, replyTopics: replies, parallelism: 1 });
  const t0 = Date.now();
  const job = runFlinkJob(dir);
  const stop = () => job.stop();
  cleanups.push(stop);
  await job.running;
  progress(`${label}: running in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const caller = kafkaCaller(bootstrap, artifact.config.topics.ingress, replies, 'flink');
  cleanups.push(caller.close);
  await createAccounts(label, caller.send);
  for (const workload of WORKLOADS) for (const c of CONCURRENCY) await sample(samples, label, caller.call, workload, c, 0);
  await release(caller.close);
  await release(stop);
  await release(removeDir);
}

/** Starts the reference's function service (bench/reference/service.py) in its own process group. */
function startReferenceService(dir, python) {
  const fd = openSync(join(dir, 'service.log'), 'a');
  const child = spawn(python, [join(dir, 'service.py')], { cwd: dir, detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  closeSync(fd);
  const exited = new Promise((res) => child.once('exit', res));
  return {
    pid: child.pid,
    async ready(url) {
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        if (child.exitCode !== null) throw new Error(`the reference service exited; see ${join(dir, 'service.log')}`);
        try {
          if ((await fetch(url)).ok) return;
        } catch {
          /* not yet */
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the reference service did not answer on ${url}`);
    },
    async stop() {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return;
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    },
  };
}

/**
 * One Statefun deployment with the generated application and the reference side by side
 * (`semantic` egress for both), rows interleaved for ROUNDS rounds.
 */
async function statefun(prog, samples, bootstrap, semantic, checkpoints) {
  const tag = semantic === 'exactly-once' ? 'eo' : 'alo';
  const genLabel = `statefun generated (${semantic}, checkpoint ${CHECKPOINT_MS} ms)`;
  const refLabel = `statefun reference, hand-written (${semantic})`;
  const genReplies = `gen-${tag}-replies`;
  const refReplies = `ref-${tag}-replies`;
  const refIngress = `ref-${tag}-ingress`;
  await createTopics(bootstrap, [genReplies, refReplies, refIngress]);

  const dir = mkdtempSync(join(tmpdir(), `sf-statefun-bench-${tag}-`));
  const removeDir = async () => rmSync(dir, { recursive: true, force: true });
  cleanups.push(removeDir);
  const settings = { bootstrap, checkpointIntervalMs: CHECKPOINT_MS, replyTopics: `${genReplies},${refReplies}`, egressSemantic: semantic };
  const gen = await buildStatefunApp(prog, dir, { ...settings, ...GEN_SETTINGS, topicPrefix: `gen-${tag}`, servicePort: await freePort() });

  // The reference: its own folder and service, its functions and Statefun's own Kafka
  // ingress added to the generated module.yaml (the same egress, so the same transactions).
  const refDir = join(dir, 'reference');
  const refPort = await freePort();
  await buildStatefunApp(prog, refDir, { ...settings, topicPrefix: `ref-${tag}`, servicePort: refPort });
  copyFileSync(join(HERE, 'reference', 'service.py'), join(refDir, 'service.py'));
  const endpoint = readFileSync(join(dir, 'module.yaml'), 'utf8')
    .match(/kind: io\.statefun\.endpoints\.v2\/http[\s\S]*?---\n/)[0]
    .replace(/functions: [^\n]+/, 'functions: bench/*')
    .replace(/urlPathTemplate: [^\n]+/, `urlPathTemplate: "http://127.0.0.1:${refPort}/statefun"`);
  const refIngressYaml = [
    'kind: io.statefun.kafka.v1/ingress',
    'spec:',
    '  id: bench/requests',
    `  address: ${JSON.stringify(bootstrap)}`,
    `  consumerGroupId: ref-${tag}`,
    '  startupPosition:',
    '    type: group-offsets',
    '  autoOffsetResetPosition: earliest',
    '  topics:',
    `    - topic: ${refIngress}`,
    '      valueType: bench/request',
    '      targets:',
    '        - bench/account',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'module.yaml'), `${readFileSync(join(dir, 'module.yaml'), 'utf8')}---\n${endpoint}${refIngressYaml}`);

  const refService = startReferenceService(refDir, statefunEnv.python);
  cleanups.push(refService.stop);
  await refService.ready(`http://127.0.0.1:${refPort}/health`);

  const t0 = Date.now();
  let rest;
  const app = runStatefunApp(dir, { statefunEnv, flinkProperties: FLINK_PROPS, ...(KEEP_LOGS ? { logDir: join(KEEP_LOGS, tag) } : {}), onLine: (l) => (rest = /^JOB_RUNNING rest (\S+)/.exec(l)?.[1] ?? rest) });
  const stopApp = () => app.stop();
  cleanups.push(stopApp);
  await app.running;
  progress(`statefun (${semantic}): running in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const genCaller = kafkaCaller(bootstrap, gen.config.topics.ingress, genReplies, `gen-${tag}`);
  cleanups.push(genCaller.close);
  const refCaller = kafkaCaller(bootstrap, refIngress, refReplies, `ref-${tag}`);
  cleanups.push(refCaller.close);
  await createAccounts(genLabel, genCaller.send);
  // The reference has no create (accounts start with 1,000,000): one call each way warms it up.
  for (const r of await Promise.all([refCaller.send({ kind: 'invoke', entity: 'Account', key: accountKey(0), method: 'read', args: [], kwargs: {} })])) {
    if (!('ok' in r)) throw new Error(`reference: ${JSON.stringify(r)}`);
  }

  await warmUntilCompiled(semantic, [genCaller.call, refCaller.call], app.pids.jvm);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const workload of WORKLOADS) {
      for (const c of CONCURRENCY) {
        const pair = [
          [genLabel, genCaller.call, { service: app.pids.service, jvm: app.pids.jvm }],
          [refLabel, refCaller.call, { service: refService.pid, jvm: app.pids.jvm }],
        ];
        if (round % 2 === 0) pair.reverse();
        for (const [label, call, pids] of pair) await sample(samples, label, call, workload, c, round, { semantic }, pids);
      }
    }
  }
  checkpoints.push({ semantic, ...(await checkpointStats(rest)) });
  progress(`statefun (${semantic}) checkpoints: ${JSON.stringify(checkpoints.at(-1))}`);
  await release(refCaller.close);
  await release(genCaller.close);
  await release(stopApp);
  await release(refService.stop);
  await release(removeDir);
}

/**
 * Warms both applications up (the JVM's JIT, connections, RocksDB) before any row counts:
 * passes of every workload on each side, 1.5 s each at the most callers, until the JIT
 * compilers used less than 5% of a core over a pass (at most JIT_WARMUP_S seconds). The JVM
 * keeps compiling Flink's and Statefun's code for a minute or two under load; CPU spent
 * compiling meanwhile counts against whichever side runs then (the generated one, first in
 * rounds 1 and 3), and code not yet compiled runs slower.
 */
async function warmUntilCompiled(semantic, calls, jvmPid) {
  const t0 = Date.now();
  for (let pass = 1; ; pass++) {
    const [wall0, jit0] = [Date.now(), jitCpuMs(jvmPid)];
    for (const call of calls) {
      for (const workload of WORKLOADS) await closedLoop(call, operations(workload, 'uniform', ENTITIES, 3 + pass), { concurrency: Math.max(...CONCURRENCY), durationMs: 1500 });
    }
    const share = (jitCpuMs(jvmPid) - jit0) / (Date.now() - wall0);
    const elapsed = (Date.now() - t0) / 1000;
    if (!(share >= 0.05) || elapsed >= JIT_WARMUP_S) {
      progress(`statefun (${semantic}): warmed up in ${elapsed.toFixed(0)} s (${pass} passes; JIT compilers ${(100 * share).toFixed(0)}% of a core in the last)`);
      return;
    }
  }
}

/** Checkpoints of the deployment's job so far (Flink's REST API): count, end-to-end duration. */
async function checkpointStats(rest) {
  try {
    const jobs = await (await fetch(`${rest}/jobs/overview`)).json();
    const id = jobs.jobs[0].jid;
    const stats = await (await fetch(`${rest}/jobs/${id}/checkpoints`)).json();
    const d = stats.summary.end_to_end_duration;
    const failures = [...new Set((stats.history ?? []).filter((c) => c.status === 'FAILED').map((c) => c.failure_message))].slice(0, 3);
    return { completed: stats.counts.completed, failed: stats.counts.failed, durationMs: { p50: d.p50, p99: d.p99, max: d.max, avg: d.avg }, failures };
  } catch (e) {
    return { error: String(e) };
  }
}

/** Per target, workload and callers: the medians over rounds. */
function summarize(samples) {
  const groups = new Map();
  for (const s of samples) {
    const k = `${s.target}\u0000${s.workload}\u0000${s.concurrency}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(s);
  }
  return [...groups.values()].map((g) => ({
    target: g[0].target,
    workload: g[0].workload,
    concurrency: g[0].concurrency,
    rounds: g.length,
    opsPerSec: median(g.map((s) => s.opsPerSec)),
    p50: median(g.map((s) => s.p50)),
    p99: median(g.map((s) => s.p99)),
    errors: g.reduce((n, s) => n + s.errors, 0),
    ...(g[0].serviceCpuMsPerOp === undefined ? {} : { serviceCpuMsPerOp: median(g.map((s) => s.serviceCpuMsPerOp)), jvmCpuMsPerOp: median(g.map((s) => s.jvmCpuMsPerOp)), jitCpuMsPerOp: median(g.map((s) => s.jitCpuMsPerOp)) }),
  }));
}

/** Generated vs reference, per semantic, workload and callers: the median of the per-round ratios. */
function ratios(samples) {
  const out = [];
  for (const semantic of SEMANTICS) {
    for (const workload of WORKLOADS) {
      for (const concurrency of CONCURRENCY) {
        const of = (prefix) => samples.filter((s) => s.semantic === semantic && s.workload === workload && s.concurrency === concurrency && s.target.startsWith(prefix));
        const gen = of('statefun generated');
        const ref = of('statefun reference');
        const perRound = gen.map((g) => [g, ref.find((r) => r.round === g.round)]).filter(([, r]) => r);
        if (perRound.length === 0) continue;
        out.push({
          semantic,
          workload,
          concurrency,
          p50Ratio: median(perRound.map(([g, r]) => g.p50 / r.p50)),
          throughputRatio: median(perRound.map(([g, r]) => g.opsPerSec / r.opsPerSec)),
          p50Ratios: perRound.map(([g, r]) => +(g.p50 / r.p50).toFixed(2)),
          throughputRatios: perRound.map(([g, r]) => +(g.opsPerSec / r.opsPerSec).toFixed(2)),
        });
      }
    }
  }
  return out;
}

function table(rows) {
  const head = ['target', 'workload', 'callers', 'ops/s', 'p50 ms', 'p99 ms', 'errors', 'service CPU ms/op', 'JVM CPU ms/op', 'of which JIT'];
  const cpu = (v) => (v === undefined ? '' : v.toFixed(2));
  const body = rows.map((r) => [
    r.target,
    r.workload === 'A' ? 'A 50/50 r/u' : 'T transfer',
    String(r.concurrency),
    r.opsPerSec.toFixed(r.opsPerSec < 10 ? 1 : 0),
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    String(r.errors),
    cpu(r.serviceCpuMsPerOp),
    cpu(r.jvmCpuMsPerOp),
    cpu(r.jitCpuMsPerOp),
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(width[i]) : c.padStart(width[i]))).join(' | ')} |`;
  return [line(head), `|${width.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

try {
  const prog = await program();
  const samples = [];
  const checkpoints = [];
  if (TARGETS.includes('embedded')) await embedded(prog, samples);
  if (TARGETS.includes('flink') || TARGETS.includes('statefun')) {
    await run(join(ENGINES, 'kafka/fetch.sh'), [], { timeout: 900_000 });
    if (TARGETS.includes('statefun')) {
      await run(join(ENGINES, 'statefun/setup.sh'), [], { timeout: 900_000 });
      // A copy of the launcher jar: another checkout's setup.sh may replace the cached one meanwhile.
      const env = findStatefunEnv();
      const jarDir = mkdtempSync(join(tmpdir(), 'sf-statefun-bench-jar-'));
      cleanups.push(async () => rmSync(jarDir, { recursive: true, force: true }));
      copyFileSync(env.launcherJar, join(jarDir, 'stateflow-statefun.jar'));
      statefunEnv = { ...env, launcherJar: join(jarDir, 'stateflow-statefun.jar') };
    }
    const kdir = mkdtempSync(join(tmpdir(), 'sf-statefun-bench-kafka-'));
    cleanups.push(() => run(join(ENGINES, 'kafka/stop.sh'), ['--dir', kdir, '--clean']));
    const bootstrap = (await run(join(ENGINES, 'kafka/start.sh'), ['--port', String(PORT), '--dir', kdir, '--fresh'])).stdout.trim().split('\n').pop();
    progress(`Kafka on ${bootstrap}`);
    if (TARGETS.includes('flink')) await flink(prog, samples, bootstrap);
    if (TARGETS.includes('statefun')) for (const semantic of SEMANTICS) await statefun(prog, samples, bootstrap, semantic, checkpoints);
  }
  const rows = summarize(samples);
  const rs = ratios(samples);
  process.stdout.write(`${table(rows)}\n\n(medians over rounds; the machine may be shared: see the note in the docs)\n\ngenerated / reference (median of the per-round ratios):\n`);
  for (const r of rs) {
    process.stdout.write(
      `  ${r.semantic} ${r.workload} c=${r.concurrency}: p50 ${r.p50Ratio.toFixed(2)}x (goal <= 1.25; rounds ${r.p50Ratios.join(', ')}), throughput ${r.throughputRatio.toFixed(2)}x (goal >= 0.8; rounds ${r.throughputRatios.join(', ')})\n`,
    );
  }
  progress(`done in ${((Date.now() - T0) / 1000).toFixed(0)} s`);
  writeFileSync(
    resolve(HERE, OUT),
    `${JSON.stringify({ date: new Date().toISOString(), note: 'machine shared with other jobs', rounds: ROUNDS, durationMs: DURATION_MS, warmupMs: WARMUP_MS, entities: ENTITIES, checkpointMs: CHECKPOINT_MS, flinkProperties: FLINK_PROPS, generatedSettings: GEN_SETTINGS, rows, ratios: rs, checkpoints, samples }, null, 2)}\n`,
  );
} catch (err) {
  progress(`failed: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
