import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../dist/index.js';
import { loadFixture } from '../support/fixtures.js';

const events = (): any[] => loadFixture('buy-item.events.json');

describe('validateEvent', () => {
  it('accepts every event of the User.buy_item walk-through', () => {
    expect(events().map((e) => validateEvent(e).ok)).toEqual([true, true, true, true, true, true]);
    expect(events().map((e) => e.kind)).toEqual(['Invoke', 'Read', 'Reply', 'Invoke', 'Reply', 'Response']);
  });

  it('accepts Construct and Insert events and error results', () => {
    const base = { requestId: 'r', seq: 0, stack: [], replyTo: { channel: 'local', id: '1' } };
    const ok = [
      { ...base, kind: 'Construct', entity: 'Item', args: ['coke', 10], kwargs: {} },
      { ...base, kind: 'Insert', target: { entity: 'Item', key: 'coke' }, state: { item_name: 'coke', stock: 0, price: 10 } },
      { ...base, kind: 'Response', result: { error: { type: 'NotEnoughStock', message: 'only 0 of coke left' } } },
      { ...base, kind: 'Response', result: { error: { type: 'EntityNotFound', message: 'no Item coke', code: 'EntityNotFound' } } },
      { ...base, kind: 'Response', result: { ok: null } },
    ];
    expect(ok.map((e) => validateEvent(e))).toEqual(ok.map((event) => ({ ok: true, event })));
  });

  it('accepts a Response with the origin of a detached answer (IR 0.2.1) and checks its shape', () => {
    const response = { ...events()[5], origin: { entity: 'User', key: 'alice' } };
    expect(validateEvent(response)).toEqual({ ok: true, event: response });
    const r = validateEvent({ ...response, origin: { entity: 'User' } });
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(['/origin/key']);
  });

  it('rejects an unknown event kind', () => {
    expect(validateEvent({ ...events()[0], kind: 'Cancel' })).toEqual({
      ok: false,
      errors: [
        {
          path: '/kind',
          message: 'unknown kind "Cancel"; expected one of: Invoke, Read, Construct, Insert, Reply, Response',
        },
      ],
    });
  });

  it('requires a result with exactly one of ok and error', () => {
    const reply = events()[2];
    reply.result = { ok: 1, error: { type: 'E', message: 'm' } };
    expect(validateEvent(reply)).toEqual({
      ok: false,
      errors: [{ path: '/result', message: "must have exactly one of 'ok' or 'error'" }],
    });
    reply.result = { 'value/~x': 1 };
    const r = validateEvent(reply);
    // JSON pointer segments are escaped: `/` as `~1`, `~` as `~0`.
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(['/result/value~1~0x']);
  });

  it('reports missing frame fields and bad system error codes by path', () => {
    const read = events()[1];
    delete read.stack[0].resume;
    read.seq = -1;
    const r = validateEvent(read);
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(['/seq', '/stack/0/resume']);
    const response = events()[5];
    response.result = { error: { type: 'X', message: 'm', code: 'Teapot' } };
    const r2 = validateEvent(response);
    expect(r2.ok ? [] : r2.errors.map((e) => e.path)).toEqual(['/result/error/code']);
  });
});
