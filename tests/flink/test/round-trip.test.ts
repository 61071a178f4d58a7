import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from '@stateflow/frontend-python';
import type { Program } from '@stateflow/ir';
import { kafkaTransport, type KafkaTransport } from '@stateflow/client/kafka';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deploy, type Deployment } from './support/deploy.js';
import { KafkaRequester, REPLY_TOPIC, readTopic } from './support/suite.js';

const SHOP = fileURLToPath(new URL('../../../examples/shop/app.py', import.meta.url));

async function shopProgram(): Promise<Program> {
  const { program, diagnostics } = await compile(readFileSync(SHOP, 'utf8'), { path: 'examples/shop/app.py' });
  if (!program) throw new Error(`shop does not compile: ${JSON.stringify(diagnostics)}`);
  return program;
}

describe('the shop on Flink, through Kafka', () => {
  let app: Deployment;
  let requester: KafkaRequester;
  let transport: KafkaTransport;
  let n = 0;
  const send = (request: Parameters<KafkaTransport['send']>[0]) =>
    transport.send(request, { requestId: `rt-${Date.now()}-${n++}`, signal: new AbortController().signal, attempt: 0 });

  beforeAll(async () => {
    const bootstrap = inject('bootstrap');
    requester = await KafkaRequester.connect(bootstrap);
    app = await deploy(await shopProgram(), bootstrap);
    transport = kafkaTransport({ brokers: [bootstrap], requestTopic: app.ingress, replyTopic: REPLY_TOPIC });
    await transport.connect();
  });

  afterAll(async () => {
    await transport?.close();
    await requester?.close();
    await app?.stop();
  });

  it('creates instances and runs a split method (read + invoke across entities)', async () => {
    expect(await send({ kind: 'create', entity: 'Item', args: ['coke', 3], kwargs: {} })).toEqual({ ok: { $entity: 'Item', $key: 'coke' } });
    expect(await send({ kind: 'create', entity: 'User', args: ['alice'], kwargs: {} })).toEqual({ ok: { $entity: 'User', $key: 'alice' } });
    expect(await send({ kind: 'invoke', entity: 'Item', key: 'coke', method: 'update_stock', args: [10], kwargs: {} })).toEqual({ ok: true });
    expect(await send({ kind: 'invoke', entity: 'User', key: 'alice', method: 'update_balance', args: [99], kwargs: {} })).toEqual({ ok: null });
    const bought = await send({ kind: 'invoke', entity: 'User', key: 'alice', method: 'buy_item', args: [2, { $entity: 'Item', $key: 'coke' }], kwargs: {} });
    expect(bought).toEqual({ ok: true });
    expect(await requester.getState(app.ingress, 'Item', 'coke')).toEqual({ item_name: 'coke', stock: 8, price: 3 });
    expect(await requester.getState(app.ingress, 'User', 'alice')).toEqual({ username: 'alice', balance: 94, items: [{ $entity: 'Item', $key: 'coke' }] });
    expect(await requester.getState(app.ingress, 'User', 'bob')).toBeUndefined();
  });

  it('passes user errors and system errors back to the client', async () => {
    const failed = await send({ kind: 'invoke', entity: 'Item', key: 'coke', method: 'update_stock', args: [-100], kwargs: {} });
    expect(failed).toEqual({ error: { type: 'NotEnoughStock', message: 'only 8 of coke left' } });
    const missing = await send({ kind: 'invoke', entity: 'Item', key: 'pepsi', method: 'update_stock', args: [1], kwargs: {} });
    expect(missing).toMatchObject({ error: { code: 'EntityNotFound' } });
    const exists = await send({ kind: 'create', entity: 'Item', args: ['coke', 1], kwargs: {} });
    expect(exists).toMatchObject({ error: { code: 'EntityExists' } });
  });

  it('runs a retried request (same requestId) once and answers it again', async () => {
    const event = requester.event({ kind: 'Invoke', target: { entity: 'Item', key: 'coke' }, method: 'update_stock', args: [1], kwargs: {} });
    const first = await requester.request(app.ingress, event);
    expect(first.result).toEqual({ ok: true });
    // The retry: the same event again, twice.
    await requester.produce(app.ingress, [{ key: 'Item/coke', value: JSON.stringify(event) }, { key: 'Item/coke', value: JSON.stringify(event) }]);
    const after = await requester.getState(app.ingress, 'Item', 'coke');
    expect(after?.['stock']).toBe(9);
    // Each copy got the stored answer (3 Responses for one request id), the effect happened once.
    expect(requester.seen.get(event.requestId)?.map((e) => e.result)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
  });

  it('answers malformed requests with an error and dead-letters unanswerable records, and keeps running', async () => {
    const unknownEntity = requester.event({ kind: 'Invoke', target: { entity: 'Nope', key: 'x' }, method: 'f', args: [], kwargs: {} });
    expect((await requester.request(app.ingress, unknownEntity)).result).toMatchObject({ error: { type: 'UnknownEntity', code: 'UnknownEntity' } });
    const badKind = requester.event({ kind: 'Reply', target: { entity: 'Item', key: 'coke' } });
    expect((await requester.request(app.ingress, badKind)).result).toMatchObject({ error: { type: 'InvalidRequest' } });
    const badArgs = requester.event({ kind: 'Invoke', target: { entity: 'Item', key: 'coke' }, method: 'update_stock', args: 'x' as never, kwargs: {} });
    expect((await requester.request(app.ingress, badArgs)).result).toMatchObject({ error: { code: 'BadArguments' } });
    const unknownMethod = requester.event({ kind: 'Invoke', target: { entity: 'Item', key: 'coke' }, method: 'nope', args: [], kwargs: {} });
    expect((await requester.request(app.ingress, unknownMethod)).result).toMatchObject({ error: { code: 'UnknownMethod' } });
    const wrongArity = requester.event({ kind: 'Invoke', target: { entity: 'Item', key: 'coke' }, method: 'update_stock', args: [1, 2, 3], kwargs: {} });
    expect((await requester.request(app.ingress, wrongArity)).result).toMatchObject({ error: { code: 'BadArguments' } });

    const otherTopic = { ...requester.event({ kind: 'Invoke', target: { entity: 'Item', key: 'coke' }, method: 'update_stock', args: [1], kwargs: {} }), replyTo: { channel: 'kafka:not-a-topic-of-this-job', id: 'x' } };
    await requester.produce(app.ingress, [{ value: 'this is not JSON' }, { value: '[1, 2]' }, { value: '{"kind": "Invoke"}' }, { value: JSON.stringify(otherTopic) }]);
    const dead = (await readTopic(requester.kafka, app.artifact.config.topics.deadLetter, 4)).map((t) => JSON.parse(t) as { reason: string; record: string });
    expect(dead.map((d) => d.reason)).toEqual([
      expect.stringContaining('not JSON'),
      expect.stringContaining('not a JSON object'),
      expect.stringContaining('replyTo'),
      expect.stringContaining("names topic 'not-a-topic-of-this-job'"),
    ]);
    expect(dead[0]!.record).toBe('this is not JSON');
    // Still running, state intact.
    expect(await send({ kind: 'invoke', entity: 'Item', key: 'coke', method: 'update_stock', args: [1], kwargs: {} })).toEqual({ ok: true });
    expect((await requester.getState(app.ingress, 'Item', 'coke'))?.['stock']).toBe(10);
  });
});
