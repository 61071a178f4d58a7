import type { Event, Frame, InvokeEvent, ReplyAddress } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { readEvents, readResults, ReplyToTable, wireEvent, wireRequest } from '../src/wire-format.js';

const replyTo: ReplyAddress = { channel: 'local', id: 'rt' };
const frame: Frame = { entity: 'U', key: 'ann', method: 'buy', resume: 'b1', resultVar: 'v', env: { amount: 1 } };
const base = { requestId: 'r', seq: 2, replyTo, stack: [frame] };

const events: Event[] = [
  { kind: 'Invoke', ...base, target: { entity: 'I', key: 'coke' }, method: 'm', args: [1], kwargs: { x: 2 } },
  { kind: 'Reply', ...base, target: { entity: 'U', key: 'ann' }, frame, result: { ok: 3 } },
  { kind: 'Response', ...base, stack: [], result: { error: { type: 'E', message: 'm' } } },
  { kind: 'Read', ...base, target: { entity: 'I', key: 'coke' }, attr: 'price' },
  { kind: 'Insert', ...base, target: { entity: 'I', key: 'coke' }, state: { price: 1 } },
  { kind: 'Construct', ...base, entity: 'I', args: ['coke', 1], kwargs: {} },
  // A callee's answer for its callers' detached blocks (Python's `stateflow_kernel.detached`).
  { kind: 'Response', ...base, stack: [], result: { ok: true }, origin: { entity: 'U', key: 'ann' } },
];

describe('wire format', () => {
  it.each(events.map((e) => ['origin' in e ? `${e.kind} with origin` : e.kind, e] as const))('%s round-trips through JSON as a list', (_, event) => {
    const table = new ReplyToTable();
    const wire = JSON.parse(JSON.stringify(wireEvent(event, table)));
    expect(Array.isArray(wire)).toBe(true);
    const [back] = readEvents([wire], table.list);
    expect(back).toEqual(event);
    expect(back!.replyTo).toBe(replyTo);
  });

  it('numbers reply addresses per frame, by identity', () => {
    const table = new ReplyToTable();
    const other = { channel: 'http', id: 'x' };
    const invoke = events[0] as InvokeEvent;
    expect(wireRequest({ event: invoke, state: { n: 1 } }, false, table)).toEqual([wireEvent(invoke, table), { n: 1 }]);
    expect((wireRequest({ event: { ...invoke, replyTo: other }, state: null }, true, table)[0] as unknown[]).slice(0, 4)).toEqual([0, 'r', 2, 1]);
    expect(table.list).toEqual([replyTo, other]);
  });

  it('sends a request to run on the held state without a state', () => {
    const table = new ReplyToTable();
    expect(wireRequest({ event: events[0]!, state: null, chained: true }, true, table)).toHaveLength(1);
    expect(wireRequest({ event: events[0]!, state: null }, false, table)).toHaveLength(2);
  });

  it('reads compact and object-form results', () => {
    const table = new ReplyToTable();
    const response = wireEvent(events[2]!, table);
    const objectForm = { out: [] };
    const request = { event: events[0]!, state: null };
    const results = readResults([[[response]], [[], { n: 3 }], objectForm, [{ ok: 1 }, { n: 4 }]], [request, request, request, request], table.list);
    expect(results[0]).toEqual({ out: [events[2]] });
    expect(results[1]).toEqual({ state: { n: 3 }, out: [] });
    expect(results[2]).toBe(objectForm);
    // Only the request's own Response: rebuilt from the request.
    expect(results[3]).toEqual({ state: { n: 4 }, out: [{ kind: 'Response', requestId: 'r', seq: 3, stack: [], replyTo, result: { ok: 1 } }] });
    expect(results[3]!.out[0]!.replyTo).toBe(replyTo);
  });

  it('reads the compact Response with origin that the kernel writes (two fields more, no field names)', () => {
    const table = new ReplyToTable();
    const wire = wireEvent(events[6]!, table);
    expect(wire).toEqual([2, 'r', 2, 0, [], { ok: true }, 'U', 'ann']);
    const plain = wireEvent(events[2]!, table);
    expect(plain).toHaveLength(6);
    expect(readEvents([plain], table.list)[0]).not.toHaveProperty('origin');
  });

  it('fails clearly on an unknown kind code', () => {
    expect(() => readEvents([[9, 'r', 0, 0, []]], [replyTo])).toThrow(/unknown compact event kind 9/);
  });
});
