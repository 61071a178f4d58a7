import type { Result } from '@stateflow/ir';
import { randomBytes } from 'node:crypto';

const CLIENT_PREFIX = 'key:';

export { checkClientRequestId, MAX_REQUEST_ID_LENGTH } from '@stateflow/gateway';

/** The request id of a call that carries a client request id (an idempotency key). */
export function clientRequestId(key: string): string {
  return CLIENT_PREFIX + key;
}

/** The client request id (idempotency key) back from a request id made by {@link clientRequestId}. */
export function clientKeyOf(requestId: string): string {
  return requestId.slice(CLIENT_PREFIX.length);
}

// A random prefix per process (72 bits) and a counter: unique across restarts (ids of
// requests resumed from the durable queue never collide with new ones) and far cheaper
// than a random UUID per call.
const GENERATED_PREFIX = `${randomBytes(9).toString('base64url')}-`;
let generated = 0;

/** A fresh request id for a call without an idempotency key (its outcome is not recorded). */
export function generatedRequestId(): string {
  return GENERATED_PREFIX + (generated++).toString(36);
}

/** Whether the outcome of a request is recorded for retries (it came with a client request id). */
export function isRecordedRequest(requestId: string): boolean {
  return requestId.startsWith(CLIENT_PREFIX);
}

/**
 * Whether a result refuses the request itself (its arguments, method or entity class)
 * rather than reporting what running it did. When the request's first hop answers so,
 * nothing ran and nothing changed, so the outcome is not recorded against its
 * idempotency key: a corrected retry with the same key runs.
 */
export function isRefusal(result: Result): boolean {
  if (!('error' in result)) return false;
  const { code } = result.error;
  return code === 'BadArguments' || code === 'UnknownMethod' || code === 'UnknownEntity';
}
