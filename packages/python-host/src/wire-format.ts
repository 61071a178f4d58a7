/**
 * Compact requests and results of the subprocess batch frames (the Python side is
 * `stateflow_kernel/wire.py`, which documents the format).
 *
 * Most events of a batch are client calls: an `Invoke` with no call stack and no
 * keyword arguments, answered by exactly one `Response`. As JSON objects their field
 * names and constant parts cost more to encode and parse, here and in Python, than the
 * call itself; as lists they cost a fraction. Every other request keeps the object form.
 */
import type { EncodedValue, EntityState, InvokeEvent, ReplyAddress, ResponseEvent, Result } from '@stateflow/ir';
import type { HostRequest, HostResult } from './host.js';

/** The reply addresses of one frame; a compact request names its own by index. */
export class ReplyToTable {
  readonly list: ReplyAddress[] = [];
  // By identity: the runtime gives all its client events the same address object.
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

/**
 * The wire form of one request: a compact list for a plain client `Invoke`, else the
 * object form (`held` when the process runs it on the state it holds).
 */
export function wireRequest(request: HostRequest, onHeld: boolean, replyTos: ReplyToTable): unknown {
  const event = request.event;
  if (event.kind === 'Invoke' && event.stack.length === 0 && isEmpty(event.kwargs)) {
    const { target } = event;
    const at = replyTos.indexOf(event.replyTo);
    return onHeld
      ? [event.requestId, event.seq, target.entity, target.key, event.method, event.args, at]
      : [event.requestId, event.seq, target.entity, target.key, event.method, event.args, at, request.state];
  }
  if (request.chained) return request;
  return onHeld ? { event, held: true } : request;
}

/** The results of a batch frame, compact ones rebuilt from their requests. */
export function readResults(raw: unknown[], requests: HostRequest[]): HostResult[] {
  const results = new Array<HostResult>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i];
    results[i] = Array.isArray(r) ? compactResult(r as CompactResult, requests[i]!.event as InvokeEvent) : (r as HostResult);
  }
  return results;
}

type CompactResult = [Result] | [Result, EntityState];

function compactResult(r: CompactResult, event: InvokeEvent): HostResult {
  const response: ResponseEvent = {
    kind: 'Response',
    requestId: event.requestId,
    seq: event.seq + 1,
    stack: [],
    replyTo: event.replyTo,
    result: r[0],
  };
  return r.length > 1 ? { state: r[1]!, out: [response] } : { out: [response] };
}

function isEmpty(kwargs: { [name: string]: EncodedValue } | undefined): boolean {
  if (kwargs === undefined) return true;
  for (const _ in kwargs) return false;
  return true;
}
