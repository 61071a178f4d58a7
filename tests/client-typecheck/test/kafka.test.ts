import { readFileSync } from 'node:fs';
import type { ConstructEvent, InvokeEvent, ResponseEvent } from '@stateflow/ir';
import { kafkaTransport, type KafkaTransport } from '@stateflow/client/kafka';
import { decodeValue, StateflowClient, TimeoutError } from '@stateflow/client';
import { compile } from '@stateflow/frontend-python';
import { createPythonHost } from '@stateflow/python-host';
import { LocalRuntime } from '@stateflow/runtime-local';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateShopClient } from './support/generate.js';
import { startBroker } from './support/kafka-broker.js';
import { SHOP_APP } from './support/paths.js';
import { runShopFlow, type ShopModule } from './support/shop-flow.js';

// A port of its own, so the test neither meets nor stops a broker someone else runs.
const broker = await startBroker(19592);
const skip = 'skip' in broker ? broker.skip : undefined;

/**
 * The engine side for this test (the Flink backend will be the real one): reads request
 * events from the request topic, runs them on the embedded runtime, and writes the
 * Response event to the topic named by `replyTo.channel`.
 */
async function startBridge(kafka: Kafka, requestTopic: string, runtime: LocalRuntime) {
  const keys: (string | null)[] = [];
  const producer: Producer = kafka.producer();
  await producer.connect();
  const consumer: Consumer = kafka.consumer({ groupId: `bridge-${crypto.randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: requestTopic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      keys.push(message.key ? message.key.toString() : null);
      const event = JSON.parse(message.value!.toString()) as InvokeEvent | ConstructEvent;
      const result =
        event.kind === 'Invoke'
          ? await runtime.invoke(event.target.entity, event.target.key, event.method, event.args, event.kwargs, { requestId: event.requestId })
          : await runtime.create(event.entity, event.args, event.kwargs, { requestId: event.requestId });
      const response: ResponseEvent = { kind: 'Response', requestId: event.requestId, seq: 1, stack: [], replyTo: event.replyTo, result };
      await producer.send({ topic: event.replyTo.channel.replace(/^kafka:/, ''), messages: [{ key: event.replyTo.id, value: JSON.stringify(response) }] });
    },
  });
  return { keys, stop: async () => { await consumer.disconnect(); await producer.disconnect(); } };
}

describe.skipIf(skip !== undefined)(`the Kafka transport against a real broker${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const run = crypto.randomUUID().slice(0, 8);
  const requestTopic = `sf-client-requests-${run}`;
  const replyTopic = `sf-client-replies-${run}`;
  let kafka: Kafka;
  let runtime: LocalRuntime;
  let bridge: Awaited<ReturnType<typeof startBridge>>;
  let transport: KafkaTransport;
  let mod: ShopModule;

  beforeAll(async () => {
    const bootstrap = (broker as { bootstrap: string }).bootstrap;
    kafka = new Kafka({ clientId: 'client-test', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: requestTopic, numPartitions: 3 }, { topic: replyTopic, numPartitions: 2 }, { topic: `${requestTopic}-unread` }] });
    await admin.disconnect();
    const { program } = await compile(readFileSync(SHOP_APP, 'utf8'), { path: 'app.py' });
    runtime = await LocalRuntime.start(program!, { host: await createPythonHost({ kind: 'pyodide' }), closeHostOnStop: true });
    bridge = await startBridge(kafka, requestTopic, runtime);
    transport = kafkaTransport({ brokers: [bootstrap], requestTopic, replyTopic });
    await transport.connect();
    mod = (await import(generateShopClient('shop-kafka.ts').path)) as ShopModule;
  });

  afterAll(async () => {
    await transport?.close();
    await bridge?.stop();
    await runtime?.stop();
    if (!('skip' in broker)) broker.stop();
  });

  it('runs the shop flow through the request and reply topics', async () => {
    // Kafka has no state route: the flow reads state from the runtime behind the bridge.
    await runShopFlow(mod, transport, 'kafka', async (entity, key) => {
      const state = runtime.getState(entity, key);
      return state === undefined ? undefined : (decodeValue(state) as Record<string, unknown>);
    });
    // Invoke records are keyed Entity/key; Construct records have no key.
    expect(bridge.keys).toContain('Item/coke-kafka');
    expect(bridge.keys).toContain('User/ann-kafka');
    expect(bridge.keys).toContain(null);
    expect(bridge.keys.every((k) => k === null || /^(Item|User)\//.test(k))).toBe(true);
  });

  it('times out when no Response arrives (a topic nobody reads)', async () => {
    const lonely = kafkaTransport({ brokers: [(broker as { bootstrap: string }).bootstrap], requestTopic: `${requestTopic}-unread`, replyTopic });
    const client = new StateflowClient(lonely, { retry: false });
    try {
      await expect(client.invoke({ entity: 'Item', key: 'x' }, 'update_stock', [1], {}, { timeoutMs: 1500 })).rejects.toBeInstanceOf(TimeoutError);
    } finally {
      await lonely.close();
    }
  });
});

