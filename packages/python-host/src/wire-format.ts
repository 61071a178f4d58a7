/**
 * Compact requests and results of the subprocess batch frames. The Python side is
 * `stateflow_kernel/wire.py`, which documents the format.
 *
 * Events sent as JSON objects repeat every field name, and parsing them into objects,
 * here and in Python, costs more than most user methods take to run. As lists they cost
 * a fraction: every request goes as a list, its event as a list, and its result comes
 * back as a list with its events as lists.
 */
import type { EncodedValue, EntityState, Event, Frame, ReplyAddress, ResponseEvent, Result } from '@stateflow/ir';
import type { HostRequest, HostResult } from './host.js';

/** Kind codes of compact events (`stateflow_kernel/wire.py`). */
const INVOKE = 0;
const REPLY = 1;
const RESPONSE = 2;
const READ = 3;
const INSERT = 4;
const CONSTRUCT = 5;

type WireFrame = [entity: string, key: string, method: string, resume: string, resultVar: string, env: Frame['env']];
/** `[kind, requestId, seq, replyTo index, stack, ...the kind's own fields]` */
type WireEvent = [number, string, number, number, WireFrame[], ...unknown[]];

/** The reply addresses of one frame; a compact event names its own by index. */
export class ReplyToTable {
  readonly list: ReplyAddress[] = [];
  // By identity: the runtime gives all its client events the same address object, and
  // events coming back from Python get the table's objects.
  private readonly index = new Map<ReplyAddress, number>();

  indexOf(replyTo: ReplyAddress): number {
    let at = this.index.get(replyTo);
    if (at === undefined) {
      at = this.list.length;
      this.list.push(replyTo);
      this.index.set(replyTo, at);
    }
    return at;
  }
}

/** The wire form of one request: `[event]` runs on the state the process holds, `[event, state]` on `state`. */
export function wireRequest(request: HostRequest, onHeld: boolean, replyTos: ReplyToTable): unknown[] {
  const event = wireEvent(request.event, replyTos);
  return onHeld ? [event] : [event, request.state];
}

/** One event as a compact list. */
export function wireEvent(event: Event, replyTos: ReplyToTable): WireEvent {
  const stack = event.stack.length === 0 ? [] : event.stack.map(wireFrame);
  const rt = replyTos.indexOf(event.replyTo);
  switch (event.kind) {
    case 'Invoke':
      return [INVOKE, event.requestId, event.seq, rt, stack, event.target.entity, event.target.key, event.method, event.args, event.kwargs];
    case 'Reply':
      return [REPLY, event.requestId, event.seq, rt, stack, wireFrame(event.frame), event.result];
    case 'Response':
      // With `origin` (a callee answered for its callers' detached blocks) two fields longer.
      return event.origin
        ? [RESPONSE, event.requestId, event.seq, rt, stack, event.result, event.origin.entity, event.origin.key]
        : [RESPONSE, event.requestId, event.seq, rt, stack, event.result];
    case 'Read':
      return [READ, event.requestId, event.seq, rt, stack, event.target.entity, event.target.key, event.attr];
    case 'Insert':
      return [INSERT, event.requestId, event.seq, rt, stack, event.target.entity, event.target.key, event.state];
    case 'Construct':
      return [CONSTRUCT, event.requestId, event.seq, rt, stack, event.entity, event.args, event.kwargs];
  }
}

function wireFrame(f: Frame): WireFrame {
  return [f.entity, f.key, f.method, f.resume, f.resultVar, f.env];
}

/**
 * The results of a batch frame: compact ones decoded (a result that is only the
 * request's own `Response` is rebuilt from the request), object-form ones as they are.
 */
export function readResults(raw: unknown[], requests: HostRequest[], replyTos: ReplyAddress[]): HostResult[] {
  const results = new Array<HostResult>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i];
    if (!Array.isArray(r)) {
      results[i] = r as HostResult;
      continue;
    }
    const out = Array.isArray(r[0]) ? readEvents(r[0] as unknown[], replyTos) : [ownResponse(requests[i]!.event, r[0] as Result)];
    results[i] = r.length > 1 ? { state: r[1] as EntityState, out } : { out };
  }
  return results;
}

function ownResponse(request: Event, result: Result): ResponseEvent {
  return { kind: 'Response', requestId: request.requestId, seq: request.seq + 1, stack: [], replyTo: request.replyTo, result };
}

/** Events of a result or of `local.out`: compact ones decoded, objects as they are. */
export function readEvents(raw: unknown[], replyTos: ReplyAddress[]): Event[] {
  const events = new Array<Event>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const e = raw[i];
    events[i] = Array.isArray(e) ? readEvent(e as WireEvent, replyTos) : (e as Event);
  }
  return events;
}

function readEvent(w: WireEvent, replyTos: ReplyAddress[]): Event {
  const requestId = w[1];
  const seq = w[2];
  const replyTo = replyTos[w[3]]!;
  const stack = w[4].length === 0 ? [] : w[4].map(readFrame);
  switch (w[0]) {
    case INVOKE:
      return {
        kind: 'Invoke', requestId, seq, stack, replyTo,
        target: { entity: w[5] as string, key: w[6] as string },
        method: w[7] as string, args: w[8] as EncodedValue[], kwargs: w[9] as { [name: string]: EncodedValue },
      };
    case REPLY: {
      const frame = readFrame(w[5] as WireFrame);
      return { kind: 'Reply', requestId, seq, stack, replyTo, target: { entity: frame.entity, key: frame.key }, frame, result: w[6] as Result };
    }
    case RESPONSE:
      return w.length > 6
        ? { kind: 'Response', requestId, seq, stack, replyTo, result: w[5] as Result, origin: { entity: w[6] as string, key: w[7] as string } }
        : { kind: 'Response', requestId, seq, stack, replyTo, result: w[5] as Result };
    case READ:
      return { kind: 'Read', requestId, seq, stack, replyTo, target: { entity: w[5] as string, key: w[6] as string }, attr: w[7] as string };
    case INSERT:
      return { kind: 'Insert', requestId, seq, stack, replyTo, target: { entity: w[5] as string, key: w[6] as string }, state: w[7] as EntityState };
    case CONSTRUCT:
      return { kind: 'Construct', requestId, seq, stack, replyTo, entity: w[5] as string, args: w[6] as EncodedValue[], kwargs: w[7] as { [name: string]: EncodedValue } };
    default:
      throw new Error(`unknown compact event kind ${String(w[0])}`);
  }
}

function readFrame(w: WireFrame): Frame {
  return { entity: w[0], key: w[1], method: w[2], resume: w[3], resultVar: w[4], env: w[5] };
}
