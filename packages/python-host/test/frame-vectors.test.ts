/**
 * The host's side of the golden frames the kernel ships (`@stateflow/python-kernel`
 * `test-vectors/frames.json`); the kernel's pytest answers the same requests with these
 * exact response bytes (`tests/test_frame_vectors.py`).
 *
 * Byte-for-byte: the frames this host writes (`encodeFrame`). Structural: its reading of
 * the kernel's responses (JSON objects; their key order is not part of the protocol).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Event, InvokeEvent, ReplyAddress, Result } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder } from '../src/frames.js';
import type { HostRequest } from '../src/host.js';
import { readResults, ReplyToTable, wireRequest } from '../src/wire-format.js';

interface Exchange {
  name: string;
  request?: { id: number; kind: string; requests?: unknown[]; replyTo?: ReplyAddress[] };
  requestText?: unknown;
  response: string;
  exactUpTo?: string;
}
interface Vectors {
  framing: { name: string; value: unknown; hex: string }[];
  exchanges: Exchange[];
  stopped: { hex: string; text: string };
}

const require = createRequire(import.meta.url);
const vectors = JSON.parse(readFileSync(require.resolve('@stateflow/python-kernel/test-vectors/frames.json'), 'utf8')) as Vectors;
const byName = (name: string) => vectors.exchanges.find((e) => e.name.startsWith(name))!;

/** A frame as the kernel writes it: 4-byte big-endian length, then the UTF-8 text. */
function kernelFrame(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

describe('golden frames (shared with the kernel)', () => {
  it.each(vectors.framing.map((v) => [v.name, v] as const))('encodes %s byte for byte', (_name, vector) => {
    expect(encodeFrame(vector.value).toString('hex')).toBe(vector.hex);
    expect(new FrameDecoder().push(Buffer.from(vector.hex, 'hex'))).toEqual([vector.value]);
  });

  it('writes each golden request as the bytes the kernel is tested with', () => {
    for (const exchange of vectors.exchanges) {
      if (!exchange.request) continue;
      const frame = encodeFrame(exchange.request);
      // The kernel's test sends JSON.stringify's text: no spaces, the id first.
      expect(frame.subarray(4).toString('utf8')).toBe(JSON.stringify(exchange.request));
      expect(frame.subarray(4).toString('utf8').startsWith(`{"id":${exchange.request.id},`)).toBe(true);
      expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    }
  });

  it('reads every golden response, whatever the chunks it arrives in', () => {
    const stream = Buffer.concat(vectors.exchanges.map((e) => kernelFrame(e.response)));
    const decoder = new FrameDecoder();
    const frames: unknown[] = [];
    for (let at = 0; at < stream.length; at += 7) frames.push(...decoder.push(stream.subarray(at, at + 7)));
    expect(frames).toEqual(vectors.exchanges.map((e) => JSON.parse(e.response)));
    expect(decoder.pending).toBe(0);
  });

  it('answers frames it cannot parse with their own id, or null when there is none', () => {
    const errors = vectors.exchanges.filter((e) => e.requestText !== undefined).map((e) => JSON.parse(e.response));
    expect(errors.map((f) => [f.id, f.error.type])).toEqual([
      [8, 'BadFrame'],
      [null, 'BadFrame'],
      [9, 'EncodingError'],
    ]);
  });

  it('builds the golden compact batch and reads its compact results', () => {
    const exchange = byName('a compact batch');
    const [reply] = exchange.request!.replyTo!;
    const coke = { item_name: 'coke', stock: 0, price: 3 };
    const call = (requestId: string, amount: number): InvokeEvent => ({
      kind: 'Invoke', requestId, seq: 0, stack: [], replyTo: reply!,
      target: { entity: 'Item', key: 'coke' }, method: 'update_stock', args: [amount], kwargs: {},
    });
    const requests: HostRequest[] = [{ event: call('r3', 5), state: coke }, { event: call('r4', -99), state: coke }];
    const table = new ReplyToTable();
    expect(requests.map((r) => wireRequest(r, false, table))).toEqual(exchange.request!.requests);
    expect(table.list).toEqual(exchange.request!.replyTo);

    const response = JSON.parse(exchange.response) as { results: unknown[] };
    const answer = (requestId: string, result: Result): Event => ({
      kind: 'Response', requestId, seq: 1, stack: [], replyTo: table.list[0]!, result,
    });
    expect(readResults(response.results, requests, table.list)).toEqual([
      { out: [answer('r3', { ok: true })], state: { ...coke, stock: 5 } },
      { out: [answer('r4', { error: { type: 'NotEnoughStock', message: 'only 0 of coke left' } })] },
    ]);
  });

  it('reads the compact Response with origin of a callee that ran its caller\'s detached block', () => {
    const exchange = byName('a compact batch whose callee');
    const [reply] = exchange.request!.replyTo!;
    const bob = { owner: 'bob', balance: 0, transfers: 0, history: [] };
    const deposit: InvokeEvent = {
      kind: 'Invoke', requestId: 't1', seq: 1, replyTo: reply!,
      stack: [{ entity: 'Account', key: 'ann', method: 'transfer', resume: 'b1', resultVar: '__sf_t0', env: {} }],
      target: { entity: 'Account', key: 'bob' }, method: 'deposit', args: [30], kwargs: {},
    };
    const table = new ReplyToTable();
    expect([wireRequest({ event: deposit, state: bob }, false, table)]).toEqual(exchange.request!.requests);
    const response = JSON.parse(exchange.response) as { results: unknown[] };
    expect(readResults(response.results, [{ event: deposit, state: bob }], table.list)).toEqual([
      {
        out: [{ kind: 'Response', requestId: 't1', seq: 2, stack: [], replyTo: reply, result: { ok: true }, origin: { entity: 'Account', key: 'ann' } }],
        state: { ...bob, balance: 30 },
      },
    ]);
  });

  it('reads object-form results as they are', () => {
    const exchange = byName('an object-form batch');
    const response = JSON.parse(exchange.response) as { results: unknown[] };
    const results = readResults(response.results, [], []);
    expect(results[0]!.out[0]).toMatchObject({ kind: 'Insert', target: { entity: 'Item', key: 'café' } });
    expect(results[1]!.out[0]).toMatchObject({ kind: 'Response', result: { error: { code: 'BadArguments' } } });
  });

  it('reads the stopped frame: which request ignored its time limit, and its error', () => {
    const [frame] = new FrameDecoder().push(Buffer.from(vectors.stopped.hex, 'hex'));
    expect(frame).toEqual(JSON.parse(vectors.stopped.text));
    expect(frame).toMatchObject({ id: 10, stopped: 1, error: { type: 'TimeoutError' } });
  });
});
