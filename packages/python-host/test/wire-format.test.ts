import type { InvokeEvent, ReadEvent, ReplyAddress } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import type { HostRequest } from '../src/host.js';
import { readResults, ReplyToTable, wireRequest } from '../src/wire-format.js';

const replyTo: ReplyAddress = { channel: 'local', id: 'rt' };

function invoke(key: string, extra: Partial<InvokeEvent> = {}): InvokeEvent {
  return { kind: 'Invoke', requestId: `r-${key}`, seq: 0, stack: [], replyTo, target: { entity: 'A', key }, method: 'm', args: [1], kwargs: {}, ...extra };
}

describe('wire format', () => {
  it('sends a plain client Invoke as a compact list, with or without its state', () => {
    const table = new ReplyToTable();
    const state = { n: 1 };
    expect(wireRequest({ event: invoke('a'), state }, false, table)).toEqual(['r-a', 0, 'A', 'a', 'm', [1], 0, state]);
    expect(wireRequest({ event: invoke('b'), state: null }, false, table)).toEqual(['r-b', 0, 'A', 'b', 'm', [1], 0, null]);
    expect(wireRequest({ event: invoke('c'), state: null, chained: true }, true, table)).toEqual(['r-c', 0, 'A', 'c', 'm', [1], 0]);
    const other = { channel: 'http', id: 'x' };
    expect(wireRequest({ event: invoke('d', { replyTo: other }), state }, true, table)).toEqual(['r-d', 0, 'A', 'd', 'm', [1], 1]);
    expect(table.list).toEqual([replyTo, other]);
  });

  it('keeps the object form for calls with a stack or keyword arguments, and other events', () => {
    const table = new ReplyToTable();
    const withKwargs = invoke('a', { kwargs: { x: 1 } });
    expect(wireRequest({ event: withKwargs, state: null }, false, table)).toEqual({ event: withKwargs, state: null });
    const nested = invoke('b', { stack: [{ entity: 'B', key: 'k', method: 'f', resume: 'b1', resultVar: 'v', env: {} }] as InvokeEvent['stack'] });
    expect(wireRequest({ event: nested, state: null }, true, table)).toEqual({ event: nested, held: true });
    const read: ReadEvent = { kind: 'Read', requestId: 'r', seq: 1, stack: [], replyTo, target: { entity: 'A', key: 'a' }, attr: 'n' };
    const chained: HostRequest = { event: read, state: null, chained: true };
    expect(wireRequest(chained, true, table)).toBe(chained);
    expect(table.list).toEqual([]);
  });

  it('rebuilds the Response of a compact result from its request', () => {
    const requests: HostRequest[] = [{ event: invoke('a', { seq: 4 }), state: null }, { event: invoke('b'), state: null }, { event: invoke('c'), state: null }];
    const objectForm = { out: [] };
    const results = readResults([[{ ok: 2 }], [{ error: { type: 'E', message: 'm' } }, { n: 3 }], objectForm], requests);
    expect(results[0]).toEqual({ out: [{ kind: 'Response', requestId: 'r-a', seq: 5, stack: [], replyTo, result: { ok: 2 } }] });
    expect(results[0]!.out[0]!.replyTo).toBe(replyTo);
    expect(results[1]).toEqual({ state: { n: 3 }, out: [{ kind: 'Response', requestId: 'r-b', seq: 1, stack: [], replyTo, result: { error: { type: 'E', message: 'm' } } }] });
    expect(results[2]).toBe(objectForm);
  });
});
