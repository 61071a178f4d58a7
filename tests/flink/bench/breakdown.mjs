#!/usr/bin/env node
/**
 * Where one call's latency goes on the Flink backend: one caller, one call at a time, each
 * call timed at five points, next to the job's checkpoint history (REST).
 *
 *   node tests/flink/bench/breakdown.mjs [--calls 60] [--workload A|T] [--checkpoint 50] [--parallelism 2]
 *        [--execution-mode process] [--variants 'name:mode:key=value;...|...'] [--port 19886]
 *        [--bootstrap host:port] [--out breakdown.json] [--keep-logs dir] [--threads]
 *
 * Per call: `sent` (before the produce), `acked` (the request's produce acknowledged: the
 * client's produce), `written` (the response seen by a read_uncommitted consumer polling every
 * 5 ms: the job has processed the request and its sink has sent the response, uncommitted),
 * `visible` (seen by a read_committed consumer polling every 5 ms: the transaction committed,
 * the partition's last stable offset past it), `received` (seen by a read_committed consumer
 * configured like the client's, kafkajs defaults: what a caller waits for). With the job's
 * checkpoints (trigger time and end-to-end duration from `/jobs/<id>/checkpoints`, statistics
 * uncached): the last checkpoint completed before `visible` is the one that committed the
 * response (a barrier triggered before `written` may pass the sink after it: waitStart < 0),
 * and the parts are
 *   produce     acked - sent
 *   process     written - acked           (source fetch, operators, sink send; + <= 5 ms polling)
 *   waitStart   trigger - written          (until the next checkpoint starts)
 *   checkpoint  completed - trigger        (its end-to-end duration)
 *   commit      visible - completed        (notifyCheckpointComplete, EndTxn, markers; + <= 5 ms)
 *   fetch       received - visible         (the client's consumer)
 * --variants: jobs that run at once and are called in turn (so load changes hit all of them), each
 * `name:mode:settings` with settings `key=value;...` of stateflow-job.json (`flink.<option>`: a
 * Flink option of its `flinkConfig`; `checkpoint.<key>`). Starts its own Kafka unless --bootstrap;
 * stops everything it started.
 * --threads: each job's JVM threads (and the broker's, when this script started it) by CPU ms per
 * second over the calls (`jstack`), the busiest first: where an idle job's cores go.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFlinkJob, runFlinkJob } from '@stateflow/backend-flink';
import { buildRequestEvent, uuidv7 } from '@stateflow/client';
import { compile } from '@stateflow/frontend-python';
import { accountKey, operations } from '@stateflow/bench/workloads';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { busiestThreads, cpuOf, javaIn, jvmThreadsByName } from '@stateflow/bench/process-cpu';
import { cleanupStack, flag, ROOT, run, settings, startKafka } from './support.mjs';

const CALLS = Number(flag('calls', '60'));
const WORKLOAD = flag('workload', 'A');
const CHECKPOINT = Number(flag('checkpoint', '50'));
const PARALLELISM = Number(flag('parallelism', '2'));
const MODE = flag('execution-mode', 'process');
const PORT = Number(flag('port', '19886'));
const ENTITIES = 100;
const THREADS = process.argv.includes('--threads');
const progress = (m) => process.stderr.write(`[breakdown] ${m}\n`);
const { cleanups, cleanup } = cleanupStack(progress);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A consumer of `topic` from its end that records when each request id's response arrives. */
async function watcher(kafka, topic, name, options, seen) {
  const consumer = kafka.consumer({ groupId: `${topic}-${name}-${Date.now()}`, ...options });
  await consumer.connect();
  cleanups.push(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const at = Date.now();
      try {
        const id = JSON.parse(message.value.toString('utf8')).requestId;
        if (!seen.has(id)) seen.set(id, at);
      } catch {
        /* not a response */
      }
    },
  });
  return consumer;
}

const pct = (xs, q) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : undefined;
};

/**
 * One job of a variant (`name:mode:key=value,...`, the keys of stateflow-job.json; `flink.<option>`
 * for a Flink option): started, accounts created, warmed up; `call()` runs one timed call.
 */
async function startVariant(program, bootstrap, spec) {
  const [name, mode = MODE, sets = ''] = spec.split(':');
  const dir = mkdtempSync(join(tmpdir(), 'sf-flink-breakdown-job-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const prefix = `bd${name.replace(/[^A-Za-z0-9]/g, '')}${Date.now() % 1000000}`;
  const replies = `${prefix}-replies`;
  const artifact = await buildFlinkJob(program, dir, { bootstrap, topicPrefix: prefix, checkpointIntervalMs: CHECKPOINT, replyTopics: replies, parallelism: PARALLELISM, executionMode: mode });
  const file = join(dir, 'stateflow-job.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  // Fresh checkpoint statistics (the REST API caches them for 3 s by default) and a long history.
  config.flinkConfig = { ...(config.flinkConfig ?? {}), 'rest.cache.checkpoint-statistics.timeout': '10 ms', 'web.checkpoints.history': '500' };
  for (const [k, v] of settings(sets, ';')) {
    if (k.startsWith('flink.')) config.flinkConfig[k.slice('flink.'.length)] = String(v);
    else if (k.startsWith('checkpoint.')) config.checkpoint[k.slice('checkpoint.'.length)] = v;
    else config[k] = v;
  }
  writeFileSync(file, JSON.stringify(config, null, 2));
  const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  // Variants start together: on a loaded broker the wait for the new topic's leader can fail once.
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.createTopics({ topics: [{ topic: replies, numPartitions: 1 }], waitForLeaders: true });
      break;
    } catch (err) {
      if (attempt === 5) throw err;
      await sleep(500);
    }
  }
  await admin.disconnect();
  let rest;
  const t0 = Date.now();
  const job = runFlinkJob(dir, { args: ['--partitions', String(PARALLELISM)], onLine: (l) => (rest ??= /^JOB_REST https?:\/\/(\S+)/.exec(l)?.[1]) });
  cleanups.push(async () => {
    await job.stop();
    // --keep-logs DIR: the job's logs (job.log, Flink's) are copied there before its folder goes.
    if (flag('keep-logs')) cpSync(join(dir, 'logs'), join(flag('keep-logs'), name), { recursive: true });
  });
  await job.running;
  progress(`${name}: job running in ${((Date.now() - t0) / 1000).toFixed(1)} s (REST ${rest})`);
  const jobId = (await (await fetch(`http://${rest}/jobs`)).json()).jobs.find((j) => j.status === 'RUNNING').id;

  const written = new Map();
  const visible = new Map();
  const received = new Map();
  await watcher(kafka, replies, 'uncommitted', { readUncommitted: true, maxWaitTimeInMs: 5 }, written);
  await watcher(kafka, replies, 'committed', { maxWaitTimeInMs: 5 }, visible);
  await watcher(kafka, replies, 'client', {}, received); // the client transport's settings (kafkajs defaults)
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  cleanups.push(() => producer.disconnect());
  const replyTo = { channel: `kafka:${replies}`, id: 'breakdown' };
  const send = async (request) => {
    const id = uuidv7();
    const sent = Date.now();
    const event = buildRequestEvent(request, id, replyTo);
    await producer.send({ topic: artifact.config.topics.ingress, acks: -1, messages: [{ key: request.kind === 'invoke' ? `${request.entity}/${request.key}` : null, value: JSON.stringify(event) }] });
    const acked = Date.now();
    for (const end = Date.now() + 30_000; !received.has(id) && Date.now() < end; ) await sleep(1);
    return { id, sent, acked };
  };
  for (let k = 0; k < ENTITIES; k += 20) {
    await Promise.all(Array.from({ length: 20 }, (_, i) => send({ kind: 'create', entity: 'Account', args: [accountKey(k + i), 1_000_000], kwargs: {} })));
  }
  const ops = operations(WORKLOAD, 'uniform', ENTITIES, 11);
  const invoke = () => {
    const op = ops.next();
    return send({ kind: 'invoke', entity: 'Account', key: op.key, method: op.method, args: op.args, kwargs: {} });
  };
  for (let i = 0; i < 10; i++) await invoke(); // warm-up
  const checkpoints = new Map();
  const failures = new Map();
  const history = async () => {
    const c = await (await fetch(`http://${rest}/jobs/${jobId}/checkpoints`)).json();
    for (const h of c.history ?? []) if (h.status === 'FAILED') failures.set(h.id, h.failure_message);
    for (const h of c.history ?? []) if (h.status === 'COMPLETED') checkpoints.set(h.id, { trigger: h.trigger_timestamp, completed: h.trigger_timestamp + h.end_to_end_duration, duration: h.end_to_end_duration });
    return c;
  };
  const calls = [];
  const jvm = javaIn(job.pid);
  let threadsBefore;
  let cpuBefore;
  return {
    name,
    spec,
    async startProfile() {
      cpuBefore = { at: Date.now(), cpu: cpuOf(job.pid) };
      if (THREADS) threadsBefore = await jvmThreadsByName(jvm, run);
    },
    async endProfile() {
      const seconds = (Date.now() - cpuBefore.at) / 1000;
      const cpu = cpuOf(job.pid);
      this.profile = {
        seconds: Number(seconds.toFixed(1)),
        cpuMsPerSecond: cpu && cpuBefore.cpu ? Number(((cpu.total - cpuBefore.cpu.total) / seconds).toFixed(0)) : undefined,
        threads: THREADS ? busiestThreads(threadsBefore, await jvmThreadsByName(jvm, run), seconds) : undefined,
      };
    },
    async call() {
      calls.push(await invoke());
      await history();
    },
    async report() {
      const summary = await history();
      const sorted = [...checkpoints.values()].sort((a, b) => a.trigger - b.trigger);
      const rows = calls.map((c) => {
        const w = written.get(c.id);
        const r = received.get(c.id);
        // The 5 ms poller may lag the client's consumer on a loaded machine: whichever saw it first.
        const v = Math.min(visible.get(c.id) ?? Infinity, r);
        // The checkpoint that committed the response: the last one completed before it became visible.
        const ck = sorted.filter((k) => k.completed <= v).pop();
        return {
          total: r - c.sent,
          produce: c.acked - c.sent,
          process: w - c.acked,
          waitStart: ck ? ck.trigger - w : undefined, // < 0: triggered before the write, its barrier passed the sink after it
          checkpoint: ck ? ck.duration : undefined,
          commit: ck ? v - ck.completed : undefined,
          fetch: r - v,
        };
      });
      const parts = ['total', 'produce', 'process', 'waitStart', 'checkpoint', 'commit', 'fetch'];
      const values = (p) => rows.map((r) => r[p]).filter(Number.isFinite);
      const stats = Object.fromEntries(parts.map((p) => [p, { p50: pct(values(p), 0.5), p90: pct(values(p), 0.9), mean: Number((values(p).reduce((a, b) => a + b, 0) / values(p).length).toFixed(1)) }]));
      // Where the last completed checkpoints' time went, per task (max over its subtasks; p50 over checkpoints).
      const names = Object.fromEntries(((await (await fetch(`http://${rest}/jobs/${jobId}`)).json()).vertices ?? []).map((v) => [v.id, v.name.slice(0, 40)]));
      const perTask = {};
      for (const ck of [...checkpoints.keys()].sort((a, b) => b - a).slice(0, 15)) {
        const d = await (await fetch(`http://${rest}/jobs/${jobId}/checkpoints/details/${ck}`)).json().catch(() => ({}));
        for (const vertex of Object.keys(d.tasks ?? {})) {
          const s = (await (await fetch(`http://${rest}/jobs/${jobId}/checkpoints/details/${ck}/subtasks/${vertex}`)).json().catch(() => ({}))).summary;
          const t = (perTask[names[vertex] ?? vertex] ??= { startDelay: [], alignment: [], sync: [], async: [], endToEnd: [] });
          t.startDelay.push(s?.start_delay?.max);
          t.alignment.push(s?.alignment?.duration?.max);
          t.sync.push(s?.checkpoint_duration?.sync?.max);
          t.async.push(s?.checkpoint_duration?.async?.max);
          t.endToEnd.push(d.tasks[vertex]?.end_to_end_duration);
        }
      }
      const tasks = Object.fromEntries(Object.entries(perTask).map(([n, t]) => [n, Object.fromEntries(Object.entries(t).map(([k, xs]) => [k, pct(xs, 0.5)]))]));
      return {
        variant: spec,
        checkpointDurationMs: { p50: summary.summary?.end_to_end_duration?.p50, p90: summary.summary?.end_to_end_duration?.p90 },
        checkpointCounts: summary.counts,
        failureReasons: [...new Set(failures.values())],
        stats,
        checkpointTasksP50: tasks,
        profile: this.profile,
        rows,
      };
    },
  };
}

try {
  const path = 'tests/bench/programs/accounts.py';
  const { program } = await compile(readFileSync(join(ROOT, path), 'utf8'), { path });
  const broker = flag('bootstrap') ? undefined : await startKafka({ port: PORT, name: 'breakdown', cleanups });
  const bootstrap = flag('bootstrap') ?? broker.bootstrap;
  progress(`Kafka on ${bootstrap}`);
  // --variants 'base|tuned::bufferTimeoutMs=0;bundleTimeMs=1': jobs running at once, called in turn.
  const specs = flag('variants', `base:${MODE}:${(flag('job-set') ?? '').replaceAll(',', ';')}`).split('|');
  // Started together, so that none runs warm while another is still compiling (the job started
  // first came out ahead whichever it was).
  const variants = await Promise.all(specs.map((spec) => startVariant(program, bootstrap, spec)));
  const brokerThreads = THREADS && broker ? await jvmThreadsByName(broker.pid, run) : undefined;
  const brokerCpu = broker ? { at: Date.now(), cpu: cpuOf(broker.pid) } : undefined;
  for (const v of variants) await v.startProfile();
  for (let i = 0; i < CALLS; i++) {
    for (const v of variants) {
      await v.call();
      await sleep(Math.floor(Math.random() * 20)); // do not phase-lock with the checkpoints
    }
  }
  for (const v of variants) await v.endProfile();
  let brokerProfile;
  if (broker) {
    const seconds = (Date.now() - brokerCpu.at) / 1000;
    brokerProfile = {
      cpuMsPerSecond: Number(((cpuOf(broker.pid).total - brokerCpu.cpu.total) / seconds).toFixed(0)),
      threads: brokerThreads ? busiestThreads(brokerThreads, await jvmThreadsByName(broker.pid, run), seconds, 12) : undefined,
    };
  }
  await sleep(300);
  const reports = [];
  for (const v of variants) reports.push(await v.report());
  for (const r of reports) {
    const { rows, ...rest } = r;
    process.stdout.write(`${JSON.stringify(rest)}\n`);
  }
  const outFile = flag('out');
  const meta = { date: new Date().toISOString(), workload: WORKLOAD, checkpointMs: CHECKPOINT, parallelism: PARALLELISM, load1: loadavg()[0], broker: brokerProfile };
  process.stdout.write(`${JSON.stringify(meta)}\n`);
  if (outFile) writeFileSync(join(ROOT, 'tests/flink/bench', outFile), `${JSON.stringify({ ...meta, variants: reports }, null, 2)}\n`);
} catch (err) {
  progress(`failed: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
