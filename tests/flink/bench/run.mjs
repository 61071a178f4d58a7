#!/usr/bin/env node
/**
 * Flink backend benchmark, side by side with the embedded runtime in the same run.
 *
 *   pnpm -F @stateflow/flink-tests bench [--duration 10] [--entities 1000] [--concurrency 1,32] [--checkpoint 200[,50,...]]
 *        [--targets embedded,flink,reference] [--local-hops on,off] [--parallelism 1] [--workloads A,T] [--rounds 1]
 *        [--port 19882] [--out latest.json (relative to bench/, or absolute)] [--job-set key=value,...] [--reference-workers process|loopback]
 *        [--request-ids uuidv7|plain] [--execution-mode process[,thread]] [--cluster] [--cluster-port 19485]
 *        [--warmup 0] [--clients 1] [--cluster-jvm-opts '...'] [--rate 1000,1500]
 *   pnpm -F @stateflow/flink-tests bench:compare     # the comparison of issue 20 (p=2, A and T, 1 and 256 callers; ~5 min)
 *   pnpm -F @stateflow/flink-tests bench:capacity    # capacity of issue 20: thread mode on the cluster, many callers, warmed up
 *
 * Starts a fresh Kafka (tools/engines), runs tests/bench/programs/accounts.py on LocalRuntime
 * (durable LMDB store, subprocess host), then as a PyFlink job (exactly-once; one job per
 * --checkpoint interval and --local-hops value) next to the hand-written PyFlink job of
 * bench/reference_job.py (same records, keyed state, checkpoints and exactly-once sinks), both
 * running at once and measured in turn (for each workload and number of callers: reference,
 * generated; --rounds times), so a change of the machine's load hits both. Closed loops of
 * YCSB-A (50% read / 50% update, uniform keys) and T (transfer between two accounts) with the
 * load generators of tests/bench. Each row also has the CPU ms per operation of the job's
 * processes (JVM, Python workers), of the broker and of this driver, the job's checkpoint
 * durations and the load average. Prints a table and the generated/reference ratios, writes
 * them as JSON (--out: under bench/ unless absolute); stops everything it started, even on failure.
 * --job-set sets keys of the generated job's stateflow-job.json (experiments, e.g. dedup=false;
 * flink.<option>=value: a Flink option of its flinkConfig).
 * --execution-mode runs both jobs in each of PyFlink's Python execution modes in turn (a pair of
 * jobs per mode: the generated job's executionMode and the reference's --execution-mode).
 * --cluster submits both jobs with `flink run` to one standalone cluster (a JobManager and two
 * TaskManagers with 2 slots each, tools/engines/flink/cluster-start.sh, REST on --cluster-port),
 * as the deploy docs do, instead of a local mini-cluster per job. The jobs then share the
 * TaskManagers, so a row's CPU is the whole cluster's (the other job idles meanwhile; the JSON's
 * `clusterIdle` is what both idle jobs cost per second).
 * Capacity runs (bench:capacity): --warmup S loads every job for S seconds before the first
 * measured row (the JVM's JIT compiles the new job's classes for minutes after a submission;
 * without it the first rows pay for that), --clients N spreads the callers over N client
 * transports (producers and reply consumers) of this process, --cluster-jvm-opts adds JVM
 * flags to the cluster's TaskManagers (e.g. a smaller C2 budget). Each row's CPU is then also
 * split by process: JobManager, TaskManagers, broker, this driver (the bench's client).
 * --rate R1,R2 measures open loops at those rates (operations started on schedule whatever the
 * answers do; latency from the scheduled start) instead of closed loops of --concurrency callers:
 * the p99 at a given load rather than at saturation.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { buildFlinkJob, findFlinkEnv, runFlinkJob } from '@stateflow/backend-flink';
import { uuidv7 } from '@stateflow/client';
import { kafkaTransport } from '@stateflow/client/kafka';
import { compile } from '@stateflow/frontend-python';
import { createPythonHost } from '@stateflow/python-host';
import { LocalRuntime } from '@stateflow/runtime-local';
import { Kafka, logLevel } from 'kafkajs';
import { closedLoop, openLoop } from '@stateflow/bench/load';
import { accountKey, operations } from '@stateflow/bench/workloads';
import { cpuOf, cpuPerOp, jvmThreadsCpu, machineCpu } from '@stateflow/bench/process-cpu';
import { cleanupStack, ENGINES, flag, ROOT, run, settings, startKafka } from './support.mjs';

const DURATION_MS = Number(flag('duration', '10')) * 1000;
const ENTITIES = Number(flag('entities', '1000'));
const CONCURRENCY = flag('concurrency', '1,32').split(',').map(Number);
const CHECKPOINTS = flag('checkpoint', '200').split(',').map(Number);
const TARGETS = flag('targets', 'embedded,flink').split(',');
const LOCAL_HOPS = flag('local-hops', 'on').split(',');
const PARALLELISM = Number(flag('parallelism', '1'));
const PORT = Number(flag('port', '19882'));
const WORKLOADS = flag('workloads', 'A,T').split(',');
const ROUNDS = Number(flag('rounds', '1'));
// The reference's PyFlink Python workers: `process` (one per slot, what the generated job does
// locally) or `loopback` (PyFlink's default on a mini-cluster: every subtask's Python in the client).
const REF_WORKERS = flag('reference-workers', 'process');
// Request ids: `uuidv7` (the client's default) or `plain` (b0, b1, ...: undated, kept for good).
const PLAIN_IDS = flag('request-ids', 'uuidv7') === 'plain';
// PyFlink's python.execution-mode of both jobs: `process` (a Python worker per slot) or `thread`
// (Python inside the JVM); several: one pair of jobs per mode, one after the other.
const EXECUTION_MODES = flag('execution-mode', 'process').split(',');
const CLUSTER = process.argv.includes('--cluster');
const CLUSTER_PORT = Number(flag('cluster-port', '19485'));
// Capacity runs: seconds of unmeasured load on every job before its first row (JIT warm-up).
const WARMUP_S = Number(flag('warmup', '0'));
// Client transports (each a producer and a reply consumer) the callers are spread over.
const CLIENTS = Number(flag('clients', '1'));
const CLUSTER_JVM_OPTS = flag('cluster-jvm-opts', '');
// Open loops at these rates (ops/s) instead of closed loops of CONCURRENCY callers.
const RATES = (flag('rate', '') || '').split(',').filter(Boolean).map(Number);
const JOB_SET = settings(flag('job-set', ''));
const progress = (m) => process.stderr.write(`[flink-bench] ${m}\n`);

const { cleanups, cleanup } = cleanupStack(progress);

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

async function startKafkaAndFlink() {
  await run(join(ENGINES, 'flink/setup.sh'), [], { timeout: 900_000 });
  const kafka = await startKafka({ port: PORT, name: 'bench', cleanups });
  progress(`Kafka on ${kafka.bootstrap}`);
  return kafka;
}

/**
 * The REST address of a local mini-cluster: the `JOB_REST` line of the job's output, or its
 * JobManager's log, in `logDir` (in thread mode the mini-cluster's log stays empty).
 */
function restOf(logDir) {
  for (const name of readdirSync(logDir)) {
    if (!name.endsWith('.log')) continue;
    const m = /(?:^JOB_REST |Rest endpoint listening at )(\S+)/m.exec(readFileSync(join(logDir, name), 'utf8'));
    if (m) return m[1].replace(/^https?:\/\//, '');
  }
  return undefined;
}

/**
 * Checkpoint counts and durations (ms) of a job, from the REST API at `rest` (a mini-cluster's:
 * found in its JobManager's log under `logDir`); `jobId` unless the cluster runs one job.
 */
async function checkpointStats({ rest, logDir, jobId }) {
  try {
    rest ??= restOf(logDir);
    if (!rest) return undefined;
    const id = jobId ?? (await (await fetch(`http://${rest}/jobs`)).json()).jobs.find((j) => j.status === 'RUNNING')?.id;
    const c = await (await fetch(`http://${rest}/jobs/${id}/checkpoints`)).json();
    const d = c.summary.end_to_end_duration;
    const latest = c.latest?.completed;
    return {
      completed: c.counts.completed,
      failed: c.counts.failed,
      durationMs: { p50: d.p50, p99: d.p99, max: d.max },
      // Why the newest failed checkpoint failed (its answers then wait for the next one).
      latestFailure: c.latest?.failed ? c.latest.failed.failure_message ?? 'no message' : undefined,
      // The newest completed checkpoint's parts: where its time went (start delay, alignment, sync, async).
      latest: latest ? { durationMs: latest.end_to_end_duration, tasks: await checkpointParts(rest, id, latest.id) } : undefined,
    };
  } catch {
    return undefined;
  }
}

/** Per task of one checkpoint: end-to-end, sync and async part, alignment and start delay (ms, max over subtasks). */
async function checkpointParts(rest, jobId, checkpointId) {
  const c = await (await fetch(`http://${rest}/jobs/${jobId}/checkpoints/details/${checkpointId}`)).json();
  const names = Object.fromEntries(((await (await fetch(`http://${rest}/jobs/${jobId}`)).json()).vertices ?? []).map((v) => [v.id, v.name]));
  const out = {};
  for (const [vertex, t] of Object.entries(c.tasks ?? {})) {
    const detail = await (await fetch(`http://${rest}/jobs/${jobId}/checkpoints/details/${checkpointId}/subtasks/${vertex}`)).json().catch(() => undefined);
    const s = detail?.summary;
    out[(names[vertex] ?? vertex).slice(0, 60)] = {
      endToEnd: t.end_to_end_duration,
      sync: s?.checkpoint_duration?.sync?.max,
      async: s?.checkpoint_duration?.async?.max,
      alignment: s?.alignment?.duration?.max,
      startDelay: s?.start_delay?.max,
    };
  }
  return out;
}

/** The standalone cluster of --cluster (set once started). */
let cluster;

/** Starts the --cluster cluster: a JobManager and two TaskManagers with 2 slots each, on loopback. */
async function startCluster() {
  const dir = mkdtempSync(join(tmpdir(), 'sf-flink-bench-cluster-'));
  cleanups.push(() => run('bash', [join(ENGINES, 'flink/cluster-stop.sh'), '--dir', dir, '--clean'], { timeout: 180_000 }));
  const t0 = Date.now();
  const out = await run('bash', [join(ENGINES, 'flink/cluster-start.sh'), '--dir', dir, '--port', String(CLUSTER_PORT), '--taskmanagers', '2', '--slots', '2', ...(CLUSTER_JVM_OPTS ? ['--taskmanager-jvm-opts', CLUSTER_JVM_OPTS] : [])], { timeout: 300_000 });
  const rest = out.stdout.trim().split('\n').pop();
  const env = Object.fromEntries(
    readFileSync(join(dir, 'cluster.env'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const pids = () => readdirSync(dir).filter((n) => /^(jobmanager|taskmanager-\d+)\.pid$/.test(n)).map((n) => [n.startsWith('job') ? 'jobmanager' : 'taskmanagers', Number(readFileSync(join(dir, n), 'utf8').trim())]);
  progress(`standalone cluster on ${rest} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return {
    rest,
    env,
    /** CPU ms of the JobManager and the TaskManagers (JVMs, and in process mode their Python workers). */
    cpu() {
      const sum = { jvm: 0, python: 0, root: 0, total: 0, jobmanager: 0, taskmanagers: 0, jit: 0, gc: 0 };
      for (const [kind, pid] of pids()) {
        const c = cpuOf(pid);
        if (!c) continue;
        // The JVM is the root's child (the pid file names the start script's process).
        const threads = jvmThreadsCpu(pid) ?? { jit: 0, gc: 0 };
        for (const child of childrenOf(pid)) {
          const t = jvmThreadsCpu(child);
          if (t) (threads.jit += t.jit), (threads.gc += t.gc);
        }
        sum.jit += threads.jit;
        sum.gc += threads.gc;
        sum.jvm += c.jvm + c.root; // the root of each tree is the JVM itself
        sum.python += c.python;
        sum.total += c.total;
        sum[kind] += c.total;
      }
      return sum;
    },
  };
}

/** Pids of the direct children of `pid`. */
function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** `flink run -m <cluster> ...args` in `cwd`, as the deploy docs say; resolves with the job id once it runs. */
async function flinkRun(cwd, args) {
  const flink = join(cluster.env.FLINK_HOME, 'bin', 'flink');
  const env = { ...process.env, FLINK_CONF_DIR: cluster.env.FLINK_CONF_DIR, PATH: `${dirname(cluster.env.FLINK_PYTHON)}:${process.env.PATH}` };
  const { stdout } = await run(flink, ['run', '-m', cluster.rest, ...args], { cwd, env, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }).catch((err) => {
    throw new Error(`flink run ${args.join(' ')} failed:\n${String(err.stdout ?? '').split('\n').slice(-30).join('\n')}${err.stderr ?? ''}`);
  });
  const id = /^JOB_ID (\S+)/m.exec(stdout)?.[1];
  if (!id || !/^JOB_RUNNING/m.test(stdout)) throw new Error(`flink run ${args.join(' ')}: the job did not start:\n${stdout}`);
  // RUNNING comes before every task has opened: the first completed checkpoint says they all run.
  for (const end = Date.now() + 240_000; ; ) {
    const c = await (await fetch(`http://${cluster.rest}/jobs/${id}/checkpoints`)).json().catch(() => undefined);
    if (c?.counts?.completed >= 1) break;
    if (Date.now() > end) throw new Error(`job ${id} completed no checkpoint in 240 s (${c?.counts?.failed ?? '?'} failed)${await whyNoCheckpoint(id)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return id;
}

/** What the cluster says about a job that does not checkpoint: its newest exceptions and failed checkpoint. */
async function whyNoCheckpoint(jobId) {
  const get = (path) => fetch(`http://${cluster.rest}/jobs/${jobId}${path}`).then((r) => r.json()).catch(() => undefined);
  const ex = await get('/exceptions?maxExceptions=3');
  const failed = (await get('/checkpoints'))?.latest?.failed;
  const lines = [];
  for (const e of ex?.exceptionHistory?.entries ?? []) lines.push(`exception in ${e.taskName ?? 'the job'}: ${String(e.stacktrace ?? e.exceptionName).split('\n').slice(0, 6).join('\n  ')}`);
  if (failed) lines.push(`newest failed checkpoint ${failed.id}: ${failed.failure_message ?? 'no message'}`);
  return lines.length ? `:\n${lines.join('\n')}` : '';
}

/** Cancels a job of the cluster and waits until it has ended. */
async function cancelOnCluster(jobId) {
  await fetch(`http://${cluster.rest}/jobs/${jobId}?mode=cancel`, { method: 'PATCH' }).catch(() => undefined);
  for (const end = Date.now() + 60_000; Date.now() < end; ) {
    const state = (await (await fetch(`http://${cluster.rest}/jobs/${jobId}`)).json().catch(() => ({}))).state;
    if (['CANCELED', 'FAILED', 'FINISHED'].includes(state)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * --clients N Kafka transports used in turn, as one (`send`, `close`): N producers, so N produce
 * requests in flight, and N reply consumers (each reads every reply and keeps its own).
 */
function clients(options) {
  const all = Array.from({ length: CLIENTS }, () => kafkaTransport(options));
  let next = 0;
  return {
    send: (request, context) => all[next++ % all.length].send(request, context),
    close: () => Promise.all(all.map((t) => t.close())),
  };
}

/** Creates the accounts through `send`, 200 at a time. */
async function createAccounts(label, send) {
  for (let i = 0; i < ENTITIES; i += 200) {
    const chunk = [];
    for (let k = i; k < Math.min(ENTITIES, i + 200); k++) chunk.push(send({ kind: 'create', entity: 'Account', args: [accountKey(k), 1_000_000], kwargs: {} }));
    for (const r of await Promise.all(chunk)) if (!('ok' in r)) throw new Error(`${label}: create failed: ${JSON.stringify(r)}`);
  }
}

/** The generated job, running; `{ label, call, pid, logDir, extra, stop }`. */
async function startGenerated(prog, bootstrap, checkpointMs, localHops, executionMode) {
  const dir = mkdtempSync(join(tmpdir(), 'sf-flink-bench-job-'));
  const prefix = `bench${checkpointMs}${localHops}${executionMode}${Date.now() % 100000}`;
  const replies = `${prefix}-replies`;
  const artifact = await buildFlinkJob(prog, dir, { bootstrap, topicPrefix: prefix, checkpointIntervalMs: checkpointMs, replyTopics: replies, localHops: localHops === 'on', parallelism: PARALLELISM, executionMode });
  if (JOB_SET.length) {
    // Experiments: settings of stateflow-job.json set directly (--job-set dedup=false,bundleSize=100).
    const file = join(dir, 'stateflow-job.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    for (const [key, value] of JOB_SET) {
      // `flink.<option>`: a Flink option of its flinkConfig (as in breakdown.mjs).
      if (key.startsWith('flink.')) config.flinkConfig = { ...(config.flinkConfig ?? {}), [key.slice('flink.'.length)]: String(value) };
      else config[key] = value;
    }
    writeFileSync(file, JSON.stringify(config, null, 2));
  }
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: replies, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const t0 = Date.now();
  let transport;
  let stopJob = async () => undefined;
  const stop = async () => {
    await transport?.close();
    await stopJob();
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.push(stop);
  let where;
  let cpu;
  if (CLUSTER) {
    const jobId = await flinkRun(dir, ['-py', 'job.py', '-pyfs', 'python', '--jarfile', cluster.env.FLINK_KAFKA_JAR, '--jar', 'none', '--create-topics', '--partitions', String(PARALLELISM)]);
    stopJob = () => cancelOnCluster(jobId);
    where = { rest: cluster.rest, jobId };
    cpu = () => cluster.cpu();
  } else {
    const job = runFlinkJob(dir, { args: ['--partitions', String(PARALLELISM)] });
    stopJob = () => job.stop();
    await job.running;
    where = { logDir: job.logDir };
    cpu = () => cpuOf(job.pid);
  }
  progress(`generated job running in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  transport = clients({ brokers: [bootstrap], requestTopic: artifact.config.topics.ingress, replyTopic: replies });
  // UUIDv7 request ids, the client's default (--request-ids plain: ids that do not say when they were made).
  let n = 0;
  const send = (request) => transport.send(request, { requestId: PLAIN_IDS ? `b${n++}` : uuidv7(), signal: new AbortController().signal, attempt: 0 });
  await createAccounts('generated', send);
  return {
    label: `StateFlow on Flink (p=${PARALLELISM}, checkpoint ${checkpointMs} ms, local hops ${localHops}, ${executionMode})`,
    call: (op) => send({ kind: 'invoke', entity: 'Account', key: op.key, method: op.method, args: op.args, kwargs: {} }).then((r) => 'ok' in r),
    cpu,
    where,
    extra: { kind: 'generated', checkpointMs, localHops, executionMode, parallelism: PARALLELISM, cluster: CLUSTER },
    stop,
  };
}

/** The hand-written PyFlink job (bench/reference_job.py, no StateFlow) for the same workload and guarantees. */
async function startReference(bootstrap, checkpointMs, executionMode) {
  const dir = mkdtempSync(join(tmpdir(), 'sf-flink-bench-ref-'));
  const prefix = `ref${checkpointMs}${executionMode}${Date.now() % 100000}`;
  const env = findFlinkEnv();
  const stopFile = join(dir, 'stop');
  const script = fileURLToPath(new URL('./reference_job.py', import.meta.url));
  const jobArgs = ['--bootstrap', bootstrap, '--prefix', prefix, '--parallelism', String(PARALLELISM), '--checkpoint-interval', String(checkpointMs), '--execution-mode', executionMode];
  const extra = { kind: 'reference', checkpointMs, executionMode, parallelism: PARALLELISM, cluster: CLUSTER };
  const label = `hand-written PyFlink (p=${PARALLELISM}, checkpoint ${checkpointMs} ms, ${executionMode})`;
  const call = (op) => send({ kind: 'invoke', entity: 'Account', key: op.key, method: op.method, args: op.args, kwargs: {} }).then((r) => 'ok' in r);
  let n = 0;
  let transport;
  const send = (request) => transport.send(request, { requestId: PLAIN_IDS ? `r${n++}` : uuidv7(), signal: new AbortController().signal, attempt: 0 });
  if (CLUSTER) {
    // `--bootstrap` first: `flink run` passes everything from the first argument it does not know on to the script.
    const t0 = Date.now();
    const jobId = await flinkRun(dir, ['-py', script, '--jarfile', cluster.env.FLINK_KAFKA_JAR, ...jobArgs, '--jar', 'none']);
    const stop = async () => {
      await transport?.close();
      await cancelOnCluster(jobId);
      rmSync(dir, { recursive: true, force: true });
    };
    cleanups.push(stop);
    progress(`reference job running in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    transport = clients({ brokers: [bootstrap], requestTopic: `${prefix}-ingress`, replyTopic: `${prefix}-replies` });
    await createAccounts('reference', send);
    return { label, call, cpu: () => cluster.cpu(), where: { rest: cluster.rest, jobId }, extra, stop };
  }
  const args = [script, ...jobArgs, '--jar', env.kafkaJar, '--stop-file', stopFile];
  const child = spawn(env.python, args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, FLINK_LOG_DIR: dir, _python_worker_execution_mode: REF_WORKERS } });
  const exited = new Promise((r) => child.on('exit', r));
  const stop = async () => {
    await transport?.close();
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
  const output = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('JOB_RUNNING')) resolve(out);
    });
    exited.then(() => reject(new Error(`the reference job exited before running: ${out}`)));
  });
  const rest = /^JOB_REST https?:\/\/(\S+)/m.exec(output)?.[1];
  progress(`reference job running in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  transport = clients({ brokers: [bootstrap], requestTopic: `${prefix}-ingress`, replyTopic: `${prefix}-replies` });
  await createAccounts('reference', send);
  return { label, call, cpu: () => cpuOf(child.pid), where: rest ? { rest } : { logDir: dir }, extra, stop };
}

/**
 * Measures the jobs interleaved (for each workload and number of callers, each job in turn,
 * ROUNDS times), so a change of the machine's load hits all of them. Each row also gets the
 * CPU ms per operation of the job's processes (JVM, Python workers), of the broker and of
 * this driver, and the job's checkpoint durations.
 */
async function measureInterleaved(jobs, rows, kafkaPid) {
  // Closed loops of each number of callers, or (--rate) open loops at each rate.
  const loads = RATES.length ? RATES.map((rate) => ({ rate, concurrency: rate })) : CONCURRENCY.map((concurrency) => ({ concurrency }));
  for (const workload of WORKLOADS) {
    for (const { concurrency, rate } of loads) {
      for (let round = 0; round < ROUNDS; round++) {
        for (const job of jobs) {
          const ops = operations(workload, 'uniform', ENTITIES, 7 + concurrency + round);
          const warmupMs = Math.min(2000, DURATION_MS / 4);
          // CPU counted from the end of the row's own warm-up (closedLoop's warmupMs), like its operations.
          let before;
          setTimeout(() => (before = { job: job.cpu(), kafka: cpuOf(kafkaPid), driver: process.cpuUsage(), machine: machineCpu() }), warmupMs);
          const r = rate
            ? await openLoop(job.call, ops, { rate, durationMs: DURATION_MS, warmupMs }).then((o) => ({ ...o, opsPerSec: o.ops / o.seconds }))
            : await closedLoop(job.call, ops, { concurrency, durationMs: DURATION_MS, warmupMs });
          const after = { job: job.cpu(), kafka: cpuOf(kafkaPid), driver: process.cpuUsage(before.driver), machine: machineCpu() };
          const n = r.ops + r.errors;
          const perSec = (b, a) => (a && b ? Math.round((a.total - b.total) / r.seconds) : undefined);
          const driverMs = (after.driver.user + after.driver.system) / 1000;
          // The whole machine (every process): busy ms/s of all cores together, and how many cores there are.
          const machine = before.machine && after.machine ? { busyMsPerSec: Math.round((after.machine.busy - before.machine.busy) / r.seconds), cores: after.machine.cores } : undefined;
          const cpuMsPerSec = { job: perSec(before.job, after.job), kafka: perSec(before.kafka, after.kafka), driver: Math.round(driverMs / r.seconds), machine: machine?.busyMsPerSec };
          const cpu = { ...cpuPerOp(before.job, after.job, n), kafka: cpuPerOp(before.kafka, after.kafka, n)?.total, driver: n ? Number((driverMs / n).toFixed(3)) : undefined };
          if (CLUSTER && before.job && after.job) {
            for (const kind of ['jobmanager', 'taskmanagers', 'jit', 'gc']) {
              cpu[kind] = n ? Number(((after.job[kind] - before.job[kind]) / n).toFixed(3)) : undefined;
              cpuMsPerSec[kind] = Math.round((after.job[kind] - before.job[kind]) / r.seconds);
            }
          }
          const checkpoints = await checkpointStats(job.where);
          const row = { target: job.label, workload, concurrency: rate ? undefined : concurrency, rate, dropped: r.dropped, round, opsPerSec: r.opsPerSec, p50: r.p50, p99: r.p99, errors: r.errors, cpuMsPerOp: cpu, cpuMsPerSec, checkpoints, load1: loadavg()[0], ...job.extra };
          rows.push(row);
          progress(`${job.label} ${workload} ${rate ? `rate ${rate}/s (dropped ${r.dropped})` : `c=${concurrency}`}: ${r.opsPerSec.toFixed(0)} ops/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, errors ${r.errors}; CPU ms/op ${JSON.stringify(cpu)}, ms/s ${JSON.stringify(cpuMsPerSec)}; checkpoints ${JSON.stringify(checkpoints?.durationMs ?? {})}`);
        }
      }
    }
  }
}

async function flinkTargets(prog, rows, bootstrap, kafkaPid) {
  for (const checkpointMs of CHECKPOINTS) {
    for (const mode of EXECUTION_MODES) {
      const hops = TARGETS.includes('flink') ? LOCAL_HOPS : [];
      // One generated job per --local-hops value; the reference (if asked) runs next to the first.
      for (let i = 0; i < Math.max(1, hops.length); i++) {
        const starting = [];
        if (hops[i]) starting.push(startGenerated(prog, bootstrap, checkpointMs, hops[i], mode));
        if (TARGETS.includes('reference') && i === 0) starting.push(startReference(bootstrap, checkpointMs, mode));
        const jobs = await Promise.all(starting);
        if (WARMUP_S > 0) {
          // Every job under load at once, unmeasured: the JIT compiles the new job's classes.
          const t0 = Date.now();
          const warm = await Promise.all(jobs.map((job) => closedLoop(job.call, operations(WORKLOADS[0], 'uniform', ENTITIES, 3), { concurrency: Math.max(...CONCURRENCY), durationMs: WARMUP_S * 1000 })));
          progress(`warm-up ${((Date.now() - t0) / 1000).toFixed(0)} s: ${warm.map((w) => `${w.opsPerSec.toFixed(0)} ops/s`).join(', ')}`);
        }
        if (CLUSTER) {
          // What the idle jobs cost the cluster (checkpoints, Kafka polling): part of every row's CPU.
          const before = cluster.cpu();
          await new Promise((r) => setTimeout(r, 5000));
          const after = cluster.cpu();
          const entry = { checkpointMs, executionMode: mode, jobs: jobs.length, afterWarmupS: WARMUP_S, cpuMsPerSec: Math.round((after.total - before.total) / 5), jitMsPerSec: Math.round((after.jit - before.jit) / 5), gcMsPerSec: Math.round((after.gc - before.gc) / 5) };
          clusterIdle.push(entry);
          progress(`idle jobs: the cluster uses ${entry.cpuMsPerSec} CPU ms/s (JIT compilers ${entry.jitMsPerSec}, GC ${entry.gcMsPerSec})`);
        }
        await measureInterleaved(jobs.reverse(), rows, kafkaPid);
        for (const job of jobs) {
          cleanups.splice(cleanups.indexOf(job.stop), 1);
          await job.stop();
        }
      }
    }
  }
}

/** Generated against hand-written, per workload, callers and checkpoint interval (means over rounds). */
function ratios(rows) {
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const out = [];
  for (const gen of rows.filter((r) => r.kind === 'generated')) {
    const same = (r) => r.workload === gen.workload && r.concurrency === gen.concurrency && r.rate === gen.rate && r.checkpointMs === gen.checkpointMs && r.executionMode === gen.executionMode;
    if (out.some((o) => same(o) && o.localHops === gen.localHops)) continue;
    const g = rows.filter((r) => r.kind === 'generated' && r.localHops === gen.localHops && same(r));
    const ref = rows.filter((r) => r.kind === 'reference' && same(r));
    if (!ref.length) continue;
    out.push({
      workload: gen.workload,
      concurrency: gen.concurrency,
      rate: gen.rate,
      checkpointMs: gen.checkpointMs,
      localHops: gen.localHops,
      executionMode: gen.executionMode,
      throughput: Number((mean(g.map((r) => r.opsPerSec)) / mean(ref.map((r) => r.opsPerSec))).toFixed(2)),
      p50: Number((mean(g.map((r) => r.p50)) / mean(ref.map((r) => r.p50))).toFixed(2)),
      p99: Number((mean(g.map((r) => r.p99)) / mean(ref.map((r) => r.p99))).toFixed(2)),
    });
  }
  return out;
}

function table(rows) {
  const head = ['target', 'workload', 'callers', 'ops/s', 'p50 ms', 'p99 ms', 'errors'];
  const body = rows.map((r) => [r.target, r.workload === 'A' ? 'A 50/50 r/u' : 'T transfer', r.rate ? `rate ${r.rate}/s` : String(r.concurrency), r.opsPerSec.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1), String(r.errors)]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(width[i]) : c.padStart(width[i]))).join(' | ')} |`;
  return [line(head), `|${width.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)].join('\n');
}

/** --cluster: CPU ms/s of the cluster while its jobs idle, per checkpoint interval and mode. */
const clusterIdle = [];

try {
  const prog = await program();
  const rows = [];
  if (TARGETS.includes('embedded')) await embedded(prog, rows);
  if (TARGETS.includes('flink') || TARGETS.includes('reference')) {
    const kafka = await startKafkaAndFlink();
    const bootstrap = kafka.bootstrap;
    if (CLUSTER) cluster = await startCluster();
    await flinkTargets(prog, rows, bootstrap, kafka.pid);
  }
  const text = table(rows);
  process.stdout.write(`${text}\n`);
  const compared = ratios(rows);
  for (const r of compared) {
    process.stdout.write(`generated/reference ${r.workload} ${r.rate ? `rate ${r.rate}/s` : `c=${r.concurrency}`} checkpoint ${r.checkpointMs} ms ${r.executionMode}: throughput ${r.throughput}x, p50 ${r.p50}x, p99 ${r.p99}x\n`);
  }
  writeFileSync(resolve(ROOT, 'tests/flink/bench', flag('out', 'latest.json')), `${JSON.stringify({ date: new Date().toISOString(), durationMs: DURATION_MS, entities: ENTITIES, checkpoints: CHECKPOINTS, executionModes: EXECUTION_MODES, parallelism: PARALLELISM, cluster: CLUSTER, warmupS: WARMUP_S, clients: CLIENTS, clusterJvmOpts: CLUSTER_JVM_OPTS || undefined, clusterIdle, load: loadavg(), ratios: compared, rows }, null, 2)}\n`);
} catch (err) {
  progress(`failed: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
