import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { TransportError, type SendContext, type Transport, type TransportRequest } from '@stateflow/client';
import type { Program, Result } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { EngineUnavailableError, transportEngine } from '../src/index.js';

const require = createRequire(import.meta.url);
const shop = JSON.parse(readFileSync(require.resolve('@stateflow/ir/test-vectors/shop.ir.json'), 'utf8')) as Program;

/** A transport that records what it was sent and answers with `answer`. */
function fakeTransport(answer: (request: TransportRequest, context: SendContext) => Promise<Result>) {
  const sent: { request: TransportRequest; requestId: string }[] = [];
  let connected = false;
  const transport: Transport & { connect(): Promise<void> } = {
    name: 'fake',
    async connect() {
      connected = true;
    },
    send(request, context) {
      sent.push({ request, requestId: context.requestId });
      return answer(request, context);
    },
    async getState(entity, key) {
      return entity === 'Item' && key === 'coke' ? { item_name: 'coke', stock: 1, price: 2 } : undefined;
    },
  };
  return { transport, sent, connected: () => connected };
}

describe('transportEngine: the gateway engine over a client transport', () => {
  it('sends calls with the Idempotency-Key as request id, or a new UUIDv7', async () => {
    const fake = fakeTransport(async () => ({ ok: true }));
    const engine = transportEngine(shop, fake.transport);
    expect(engine.health()).toMatchObject({ ready: false, reason: 'connecting to the engine' });
    await engine.start();
    expect(fake.connected()).toBe(true);
    expect(engine.health()).toMatchObject({ ready: true, engine: 'fake', entities: ['Item', 'User'] });
    expect(await engine.invoke('Item', 'coke', 'update_stock', [1], {}, { requestId: 'key-1' })).toEqual({ ok: true });
    expect(await engine.create('Item', ['coke', 2], {})).toEqual({ ok: true });
    expect(fake.sent[0]).toEqual({ requestId: 'key-1', request: { kind: 'invoke', entity: 'Item', key: 'coke', method: 'update_stock', args: [1], kwargs: {} } });
    expect(fake.sent[1]!.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(await engine.getState('Item', 'coke')).toEqual({ item_name: 'coke', stock: 1, price: 2 });
    expect(await engine.getState('Item', 'pepsi')).toBeUndefined();
  });

  it('answers an unknown entity class itself', async () => {
    const fake = fakeTransport(async () => ({ ok: true }));
    const engine = transportEngine(shop, fake.transport);
    expect(await engine.invoke('Nope', 'x', 'f', [], {})).toMatchObject({ error: { code: 'UnknownEntity', message: expect.stringContaining('Item, User') } });
    expect(fake.sent).toEqual([]);
  });

  it('turns no answer in time into a 504 that says to retry with the same key', async () => {
    const fake = fakeTransport((_r, context) => new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason as Error))));
    const engine = transportEngine(shop, fake.transport, { timeoutMs: 30 });
    const error = await engine.invoke('Item', 'coke', 'update_stock', [1], {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect(error).toMatchObject({ status: 504, type: 'Timeout', message: expect.stringContaining('same Idempotency-Key') });
  });

  it('turns transport failures into 503 (retryable) or 502', async () => {
    let retryable = true;
    const fake = fakeTransport(async () => {
      throw new TransportError('kafka: broker down', retryable);
    });
    const engine = transportEngine(shop, fake.transport);
    await expect(engine.invoke('Item', 'coke', 'update_stock', [1], {})).rejects.toMatchObject({ status: 503, type: 'EngineUnavailable' });
    retryable = false;
    await expect(engine.invoke('Item', 'coke', 'update_stock', [1], {})).rejects.toMatchObject({ status: 502 });
    await engine.close();
    await expect(engine.invoke('Item', 'coke', 'update_stock', [1], {})).rejects.toMatchObject({ status: 503, message: 'the gateway is stopping' });
  });
});

describe('transportEngine checks request values like the embedded runtime', () => {
  it('refuses a malformed value with BadArguments naming its place, without sending', async () => {
    const fake = fakeTransport(async () => ({ ok: true }));
    const engine = transportEngine(shop, fake.transport);
    expect(await engine.invoke('Item', 'coke', 'update_stock', [{ $bytes: 'abc' }], {})).toMatchObject({
      error: { code: 'BadArguments', message: expect.stringContaining('args[0]') },
    });
    expect(await engine.invoke('Item', 'coke', 'update_stock', [{ $tuple: [1, 2] }], {})).toEqual({ ok: true });
    expect(fake.sent.map((s) => s.request.args)).toEqual([[{ $tuple: [1, 2] }]]);
  });
});
