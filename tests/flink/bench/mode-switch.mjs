#!/usr/bin/env node
/**
 * Experiment: does a checkpoint taken in one PyFlink execution mode restore in the other?
 *   node tests/flink/bench/mode-switch.mjs [--port 19882] [--from process] [--to thread]
 * Starts a fresh Kafka, runs the accounts program as a job in --from mode, creates 20
 * accounts and deposits into them, cancels the job (checkpoints retained), restarts it from
 * the newest checkpoint in --to mode and reads the balances. Prints what happened.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildFlinkJob, runFlinkJob } from '@stateflow/backend-flink';
import { uuidv7 } from '@stateflow/client';
import { kafkaTransport } from '@stateflow/client/kafka';
import { compile } from '@stateflow/frontend-python';
import { Kafka, logLevel } from 'kafkajs';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENGINES = join(ROOT, 'tools/engines');
const flag = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const PORT = Number(flag('port', '19882'));
const FROM = flag('from', 'process');
const TO = flag('to', 'thread');
const say = (m) => process.stderr.write(`[mode-switch] ${m}\n`);

const kdir = mkdtempSync(join(tmpdir(), 'sf-mode-switch-kafka-'));
const dir = mkdtempSync(join(tmpdir(), 'sf-mode-switch-job-'));
let job;
let transport;
try {
  const bootstrap = (await run(join(ENGINES, 'kafka/start.sh'), ['--port', String(PORT), '--dir', kdir, '--fresh'])).stdout.trim().split('\n').pop();
  const path = 'tests/bench/programs/accounts.py';
  const { program } = await compile(readFileSync(join(ROOT, path), 'utf8'), { path });
  const prefix = `switch${Date.now() % 100000}`;
  const replies = `${prefix}-replies`;
  const artifact = await buildFlinkJob(program, dir, { bootstrap, topicPrefix: prefix, replyTopics: replies, checkpointIntervalMs: 100, executionMode: FROM });
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: replies, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  job = runFlinkJob(dir);
  await job.running;
  say(`job running in ${FROM} mode`);
  transport = kafkaTransport({ brokers: [bootstrap], requestTopic: artifact.config.topics.ingress, replyTopic: replies });
  const send = (request) => transport.send(request, { requestId: uuidv7(), signal: new AbortController().signal, attempt: 0 });
  const keys = Array.from({ length: 20 }, (_, i) => `a${i}`);
  await Promise.all(keys.map((k) => send({ kind: 'create', entity: 'Account', args: [k, 100], kwargs: {} })));
  const deposits = await Promise.all(keys.map((k, i) => send({ kind: 'invoke', entity: 'Account', key: k, method: 'deposit', args: [i], kwargs: {} })));
  say(`deposits answered: ${JSON.stringify(deposits.slice(0, 3))} ...`);
  await new Promise((r) => setTimeout(r, 1500)); // a checkpoint after the last write
  await job.stop();
  say('job cancelled (checkpoints retained)');
  const file = join(dir, 'stateflow-job.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  config.executionMode = TO;
  writeFileSync(file, JSON.stringify(config, null, 2));
  job = runFlinkJob(dir, { fromCheckpoint: 'latest', createTopics: false });
  const outcome = await Promise.race([job.running.then(() => 'running'), new Promise((r) => setTimeout(() => r('not running after 120 s'), 120_000))]).catch((e) => `failed: ${e.message}`);
  say(`restored in ${TO} mode: ${outcome}`);
  if (outcome === 'running') {
    const reads = await Promise.all(keys.map((k) => Promise.race([send({ kind: 'invoke', entity: 'Account', key: k, method: 'read', args: [], kwargs: {} }), new Promise((r) => setTimeout(() => r({ timeout: true }), 60_000))])));
    say(`balances after the restore (expected 100 + i): ${JSON.stringify(reads)}`);
  }
  const log = readFileSync(join(dir, 'logs', 'job.log'), 'utf8').split('\n');
  say(`job.log errors:\n${log.filter((l) => /Exception|Error|JOB_/.test(l)).slice(-15).join('\n')}`);
} finally {
  await transport?.close().catch(() => undefined);
  await job?.stop().catch(() => undefined);
  await run(join(ENGINES, 'kafka/stop.sh'), ['--dir', kdir, '--clean']).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
