import type { Result } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  EntityExistsError,
  EntityNotFoundError,
  EntityRef,
  IdempotencyKeyReusedError,
  UnavailableError,
  RemoteError,
  StateflowClient,
  TimeoutError,
  TransportError,
  type SendContext,
  type Transport,
  type TransportRequest,
} from '../src/index.js';

/** A transport answering from a script: each entry is a result or an error to throw. */
function scripted(steps: (Result | Error | 'hang')[]): Transport & { calls: { request: TransportRequest; context: SendContext }[] } {
  const calls: { request: TransportRequest; context: SendContext }[] = [];
  return {
    name: 'scripted',
    calls,
    send(request, context) {
      calls.push({ request, context });
      const step = steps.shift() ?? new Error('script exhausted');
      if (step === 'hang') return new Promise(() => undefined);
      return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
    },
  };
}

const fastRetry = { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 };

describe('StateflowClient', () => {
  it('encodes arguments by declared type and decodes the result', async () => {
    const t = scripted([{ ok: { $tuple: [1, { $float: '2.0' }] } }]);
    const client = new StateflowClient(t);
    const result = await client.invoke(new EntityRef('Item', 'coke'), 'm', [2, new EntityRef('Item', 'x')], {}, {
      types: { params: [{ name: 'f', mode: 'positional-or-keyword', type: { kind: 'Float' } }] },
    });
    expect(result).toEqual([1, 2]);
    expect(t.calls[0]!.request).toEqual({
      kind: 'invoke',
      entity: 'Item',
      key: 'coke',
      method: 'm',
      args: [{ $float: '2.0' }, { $entity: 'Item', $key: 'x' }],
      kwargs: {},
    });
  });

  it('create resolves to a typed reference', async () => {
    const client = new StateflowClient(scripted([{ ok: { $entity: 'Item', $key: 'coke' } }]));
    const ref = await client.create('Item', ['coke', 2]);
    expect(ref).toEqual(new EntityRef('Item', 'coke'));
  });

  it('retries a retryable transport error with the same request id', async () => {
    const t = scripted([new TransportError('refused', true), new TransportError('refused', true), { ok: true }]);
    const client = new StateflowClient(t, { retry: fastRetry });
    await expect(client.invoke({ entity: 'Item', key: 'a' }, 'm', [], {}, { requestId: 'req-1' })).resolves.toBe(true);
    expect(t.calls.map((c) => [c.context.requestId, c.context.attempt])).toEqual([
      ['req-1', 0],
      ['req-1', 1],
      ['req-1', 2],
    ]);
  });

  it('gives up after the last attempt with the transport error', async () => {
    const t = scripted([new TransportError('a', true), new TransportError('b', true)]);
    const client = new StateflowClient(t, { retry: { ...fastRetry, attempts: 2 } });
    await expect(client.invoke({ entity: 'Item', key: 'a' }, 'm')).rejects.toThrow('b');
    expect(t.calls).toHaveLength(2);
  });

  it('never retries a user exception or a non-retryable transport error', async () => {
    const t = scripted([{ error: { type: 'NotEnoughStock', message: 'only 1 left' } }]);
    const client = new StateflowClient(t, { retry: fastRetry });
    const err = await client.invoke({ entity: 'Item', key: 'a' }, 'update_stock', [-5]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ type: 'NotEnoughStock', message: 'only 1 left', code: undefined, isUserException: true });
    expect(t.calls).toHaveLength(1);

    const t2 = scripted([new TransportError('bad request', false)]);
    await expect(new StateflowClient(t2, { retry: fastRetry }).invoke({ entity: 'I', key: 'a' }, 'm')).rejects.toThrow('bad request');
    expect(t2.calls).toHaveLength(1);
  });

  it('maps system error codes to error classes', async () => {
    const client = new StateflowClient(
      scripted([
        { error: { type: 'EntityNotFound', message: 'no', code: 'EntityNotFound' } },
        { error: { type: 'EntityExists', message: 'taken', code: 'EntityExists' } },
        { error: { type: 'IdempotencyKeyReused', message: 'used for another call', code: 'IdempotencyKeyReused' } },
      ]),
    );
    await expect(client.invoke({ entity: 'Item', key: 'a' }, 'm')).rejects.toBeInstanceOf(EntityNotFoundError);
    const err = await client.create('Item', ['a', 1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EntityExistsError);
    expect(err).toMatchObject({ code: 'EntityExists', name: 'EntityExistsError' });
    const reused = await client.invoke({ entity: 'Item', key: 'a' }, 'm', [], {}, { requestId: 'k' }).catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(reused).toMatchObject({ code: 'IdempotencyKeyReused', name: 'IdempotencyKeyReusedError' });
  });

  it('retries an Unavailable answer (the runtime could not commit) with the same request id, and gives up with UnavailableError', async () => {
    const unavailable = { error: { type: 'Unavailable', message: 'disk full', code: 'Unavailable' as const } };
    const t = scripted([unavailable, { ok: 7 }]);
    await expect(new StateflowClient(t, { retry: fastRetry }).invoke({ entity: 'I', key: 'a' }, 'm', [], {}, { requestId: 'r1' })).resolves.toBe(7);
    expect(t.calls.map((c) => c.context.requestId)).toEqual(['r1', 'r1']);
    const down = scripted([unavailable, unavailable, unavailable]);
    const err = await new StateflowClient(down, { retry: fastRetry }).invoke({ entity: 'I', key: 'a' }, 'm').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err).toMatchObject({ code: 'Unavailable', name: 'UnavailableError' });
  });

  it('rejects with TimeoutError when the call takes longer than timeoutMs', async () => {
    const client = new StateflowClient(scripted(['hang']));
    const err = await client.invoke({ entity: 'Item', key: 'a' }, 'm', [], {}, { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/Item\/a\.m did not complete within 20 ms/);
  });

  it('names the request id in a TimeoutError, for the retry that gets the outcome (a UUIDv7 unless given)', async () => {
    const client = new StateflowClient(scripted(['hang', 'hang']));
    const made = (await client.invoke({ entity: 'Item', key: 'a' }, 'm', [], {}, { timeoutMs: 20 }).catch((e: unknown) => e)) as TimeoutError;
    expect(made.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(made.message).toContain(`retry with the same requestId '${made.requestId}'`);
    const given = (await client.invoke({ entity: 'Item', key: 'a' }, 'm', [], {}, { timeoutMs: 20, requestId: 'mine' }).catch((e: unknown) => e)) as TimeoutError;
    expect(given.requestId).toBe('mine');
  });

  it('rejects with CancelledError when the signal fires, and gives the transport the aborted signal', async () => {
    const t = scripted(['hang']);
    const client = new StateflowClient(t);
    const controller = new AbortController();
    const pending = client.invoke({ entity: 'Item', key: 'a' }, 'm', [], {}, { signal: controller.signal });
    controller.abort(new Error('user left'));
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(t.calls[0]!.context.signal.aborted).toBe(true);
    const already = AbortSignal.abort();
    await expect(client.invoke({ entity: 'Item', key: 'a' }, 'm', [], {}, { signal: already })).rejects.toBeInstanceOf(CancelledError);
  });

  it('getState explains when the transport cannot read state', async () => {
    await expect(new StateflowClient(scripted([])).getState('Item', 'a')).rejects.toThrow('the scripted transport cannot read state');
  });
});
