import type { ConstructEvent, InvokeEvent } from '@stateflow/ir';
import { createHash } from 'node:crypto';

/**
 * What a client call asks for (create or invoke, entity, key, method, arguments) as a
 * short digest. Kept with the outcome of a call that has a client request id, so that
 * the same id sent again for a different call is refused instead of answered with the
 * first call's outcome. Object keys are sorted first: a retry that sends the same
 * keyword arguments in another order is the same call.
 */
export function callFingerprint(event: ConstructEvent | InvokeEvent): string {
  const what =
    event.kind === 'Construct'
      ? ['Construct', event.entity, event.args, event.kwargs]
      : ['Invoke', event.target.entity, event.target.key, event.method, event.args, event.kwargs];
  return createHash('sha256').update(canonicalJson(what)).digest('base64url');
}

/** JSON with the keys of every object in sorted order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
