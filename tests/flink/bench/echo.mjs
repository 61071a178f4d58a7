#!/usr/bin/env node
/**
 * What the bench's driver and the broker can do at all: the client's Kafka transport
 * (kafkajs, the same as `bench/run.mjs`) against a trivial echo (a kafkajs consumer of the
 * request topic that answers every request at once on the reply topic, no Flink).
 *
 *   node bench/echo.mjs [--port 19872] [--concurrency 1,256] [--duration 10] [--bootstrap HOST:PORT]
 *
 * Starts its own Kafka (tools/engines) unless --bootstrap is given; prints one JSON line per run.
 */
import { kafkaTransport } from '@stateflow/client/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { closedLoop } from '@stateflow/bench/load';
import { operations } from '@stateflow/bench/workloads';
import { cleanupStack, flag, startKafka } from './support.mjs';

const PORT = Number(flag('port', '19872'));
const CONCURRENCY = flag('concurrency', '1,256').split(',').map(Number);
const DURATION_MS = Number(flag('duration', '10')) * 1000;
const progress = (m) => process.stderr.write(`[flink-echo] ${m}\n`);

const { cleanups, cleanup } = cleanupStack(progress);
const bootstrap = flag('bootstrap') ?? (await startKafka({ port: PORT, name: 'echo', cleanups })).bootstrap;
const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, clientId: 'echo' });
const prefix = `echo${Date.now()}`;
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: `${prefix}-in`, numPartitions: 2 }, { topic: `${prefix}-out`, numPartitions: 1 }], waitForLeaders: true });
await admin.disconnect();
const echoProducer = kafka.producer();
await echoProducer.connect();
const echoConsumer = kafka.consumer({ groupId: `${prefix}-echo`, maxWaitTimeInMs: 10 });
await echoConsumer.connect();
await echoConsumer.subscribe({ topic: `${prefix}-in`, fromBeginning: true });
await echoConsumer.run({
  eachBatch: async ({ batch }) => {
    const messages = batch.messages.map((m) => {
      const e = JSON.parse(m.value.toString('utf8'));
      return { value: JSON.stringify({ kind: 'Response', requestId: e.requestId, seq: 1, stack: [], replyTo: e.replyTo, result: { ok: null } }) };
    });
    if (messages.length) await echoProducer.send({ topic: `${prefix}-out`, messages });
  },
});
const transport = kafkaTransport({ brokers: [bootstrap], requestTopic: `${prefix}-in`, replyTopic: `${prefix}-out` });
let n = 0;
const send = (request) => transport.send(request, { requestId: `e${n++}`, signal: new AbortController().signal, attempt: 0 });
try {
  await send({ kind: 'invoke', entity: 'Account', key: 'k', method: 'read', args: [], kwargs: {} });
  for (const concurrency of CONCURRENCY) {
    const ops = operations('A', 'uniform', 1000, 7);
    const r = await closedLoop((op) => send({ kind: 'invoke', entity: 'Account', key: op.key, method: op.method, args: op.args, kwargs: {} }).then((x) => 'ok' in x), ops, { concurrency, durationMs: DURATION_MS, warmupMs: 2000 });
    process.stdout.write(`${JSON.stringify({ target: 'kafka echo', concurrency, opsPerSec: r.opsPerSec, p50: r.p50, p99: r.p99, errors: r.errors })}\n`);
  }
} finally {
  await transport.close();
  await echoConsumer.disconnect();
  await echoProducer.disconnect();
  await cleanup();
}
