import { validateEvent } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { buildLambdaInvocation, readLambdaResponse } from '../../src/lambda.js';
import { requestRecordKey } from '../../src/kafka.js';
import { buildRequestEvent, parseResponseEvent, TransportError } from '../../src/index.js';

const invoke = { kind: 'invoke', entity: 'User', key: 'ann', method: 'buy_item', args: [3, { $entity: 'Item', $key: 'coke' }], kwargs: {} } as const;
const create = { kind: 'create', entity: 'Item', args: ['coke', 2], kwargs: {} } as const;

describe('request events (Kafka and Lambda)', () => {
  it('builds schema-valid Invoke and Construct events', () => {
    const replyTo = { channel: 'kafka:replies', id: 'client-1' };
    const e1 = buildRequestEvent({ ...invoke, args: [...invoke.args] }, 'r1', replyTo);
    expect(e1).toEqual({
      kind: 'Invoke',
      requestId: 'r1',
      seq: 0,
      stack: [],
      replyTo,
      target: { entity: 'User', key: 'ann' },
      method: 'buy_item',
      args: [3, { $entity: 'Item', $key: 'coke' }],
      kwargs: {},
    });
    const e2 = buildRequestEvent({ ...create, args: [...create.args] }, 'r2', replyTo);
    expect(e2).toMatchObject({ kind: 'Construct', entity: 'Item', args: ['coke', 2] });
    for (const e of [e1, e2]) expect(validateEvent(e)).toMatchObject({ ok: true });
  });

  it('keys Kafka records by Entity/key, and leaves creates unkeyed', () => {
    expect(requestRecordKey({ ...invoke, args: [] })).toBe('User/ann');
    expect(requestRecordKey({ ...create, args: [] })).toBeNull();
  });

  it('reads Response events and refuses anything else', () => {
    const response = { kind: 'Response', requestId: 'r1', seq: 4, stack: [], replyTo: { channel: 'kafka:replies', id: 'c' }, result: { ok: true } };
    expect(parseResponseEvent(JSON.stringify(response), 'topic replies').result).toEqual({ ok: true });
    expect(() => parseResponseEvent('{"kind":"Invoke"}', 'topic replies')).toThrow(/topic replies: expected a Response event/);
    expect(() => parseResponseEvent('nope', 'topic replies')).toThrow(TransportError);
    expect(() => parseResponseEvent({ ...response, result: { error: { type: 'X' } } }, 's')).toThrow(/neither/);
  });

  it('builds the Lambda invocation: the event JSON as payload, the function chosen per request', () => {
    const { input, event } = buildLambdaInvocation({ ...invoke, args: [...invoke.args] }, 'r9', (r) => `stateflow-${r.entity}`, 'client-7');
    expect(input.FunctionName).toBe('stateflow-User');
    expect(input.InvocationType).toBe('RequestResponse');
    const payload = JSON.parse(new TextDecoder().decode(input.Payload)) as unknown;
    expect(payload).toEqual(event);
    expect(event).toMatchObject({ kind: 'Invoke', requestId: 'r9', replyTo: { channel: 'lambda', id: 'client-7' } });
    expect(validateEvent(payload)).toMatchObject({ ok: true });
  });

  it('reads the Lambda response payload; a function error is retryable', () => {
    const payload = new TextEncoder().encode(JSON.stringify({ kind: 'Response', requestId: 'r9', seq: 1, stack: [], replyTo: { channel: 'lambda', id: 'c' }, result: { ok: 5 } }));
    expect(readLambdaResponse({ StatusCode: 200, Payload: payload }, 'f')).toEqual({ ok: 5 });
    const err = (() => {
      try {
        readLambdaResponse({ StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode('{"errorMessage":"boom"}') }, 'f');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ retryable: true });
  });
});
