// The shop's round trip through Kafka, written once for every Kafka engine suite: a suite's
// round-trip file names its engine and its deploy function and calls describeShopRoundTrip.
import { kafkaTransport, type KafkaTransport } from '@stateflow/client/kafka';
import type { Program } from '@stateflow/ir';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KafkaDeployment } from './kafka-conformance.js';
import { compileRepoFile } from './programs.js';
import type { KafkaRequester } from './requester.js';
import type { EngineSuite } from './suite.js';

/** A deployment of the shop: where its requests go and where it dead-letters what it cannot answer. */
export interface ShopDeployment extends KafkaDeployment {
  /** The topic unanswerable records are written to, with the reason. */
  deadLetter: string;
}

/** What a suite's round-trip file differs in. */
export interface ShopRoundTripOptions {
  suite: Pick<EngineSuite, 'replyTopic' | 'requester' | 'readTopic'>;
  /** The engine as people say it, for the title: `Flink`. */
  engine: string;
  /** Deploys one program on the engine (the suite's own deploy function). */
  deploy: (program: Program, bootstrap: string) => Promise<ShopDeployment>;
  /**
   * How the engine reports a record whose value is not UTF-8: `not UTF-8` (it reads bytes),
   * or `not JSON` (its Kafka source decodes the value first, with replacement characters).
   */
  invalidUtf8Reason: 'not UTF-8' | 'not JSON';
}

/** Which of the malformed records a dead letter is about, from its reason. */
function kindOf(reason: string): string {
  if (reason.includes('not UTF-8')) return 'not UTF-8';
  if (reason.includes("names topic 'not-a-topic-of-this-job'")) return 'foreign reply topic';
  if (reason.includes('not a JSON object')) return 'not an object';
  if (reason.includes('replyTo')) return 'no replyTo';
  if (reason.includes('not JSON')) return 'not JSON';
  return reason;
}

/**
 * `examples/shop/app.py` on one deployment, through `@stateflow/client`'s Kafka transport
 * and raw Kafka records: creates and split methods, user and system errors, a retried
 * request id, malformed requests answered with errors and unanswerable records dead-lettered
 * while the deployment keeps running.
 */
export function describeShopRoundTrip(options: ShopRoundTripOptions): void {
  describe(`the shop on ${options.engine}, through Kafka`, () => {
    let app: ShopDeployment;
    let requester: KafkaRequester;
    let transport: KafkaTransport;
    let n = 0;
    const send = (request: Parameters<KafkaTransport['send']>[0]) =>
      transport.send(request, { requestId: `rt-${Date.now()}-${n++}`, signal: new AbortController().signal, attempt: 0 });

    beforeAll(async () => {
      const bootstrap = inject('bootstrap');
      requester = await options.suite.requester.connect(bootstrap);
      app = await options.deploy(await compileRepoFile('examples/shop/app.py'), bootstrap);
      transport = kafkaTransport({ brokers: [bootstrap], requestTopic: app.ingress, replyTopic: options.suite.replyTopic });
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
      // No record key (Statefun's own Kafka ingress would fail the job on it, and Flink would
      // read it again forever), an empty value, and a key and value that are not UTF-8.
      await requester.produce(app.ingress, [{ value: 'this is not JSON' }, { value: '[1, 2]' }, { value: '{"kind": "Invoke"}' }, { value: JSON.stringify(otherTopic) }, { value: '' }]);
      const raw = requester.kafka.producer();
      await raw.connect();
      await raw.send({ topic: app.ingress, messages: [{ key: Buffer.from([0xff, 0xfe]), value: Buffer.from([0xc3, 0x28]) }] });
      await raw.disconnect();
      const dead = (await options.suite.readTopic(requester.kafka, app.deadLetter, 6)).map((t) => JSON.parse(t) as { reason: string; record: string });
      // Records without a key land on any partition, so the dead letters come in no set order.
      const expected = ['foreign reply topic', 'no replyTo', 'not JSON', 'not JSON', options.invalidUtf8Reason, 'not an object'];
      expect(dead.map((d) => kindOf(d.reason)).sort()).toEqual(expected.sort());
      expect(dead.map((d) => d.record)).toContain('this is not JSON');
      // Still running, state intact.
      expect(await send({ kind: 'invoke', entity: 'Item', key: 'coke', method: 'update_stock', args: [1], kwargs: {} })).toEqual({ ok: true });
      expect((await requester.getState(app.ingress, 'Item', 'coke'))?.['stock']).toBe(10);
    });
  });
}
