import type { ConstructEvent, InvokeEvent, ReplyAddress, Result, ResponseEvent } from '@stateflow/ir';
import { TransportError } from './errors.js';
import type { TransportRequest } from './transport.js';

/**
 * The event that starts a request in a dataflow engine: `Invoke` for a method call,
 * `Construct` for a create (see `@stateflow/ir` `envelope.ts`). `seq` is 0 and the
 * stack empty; the engine sends the final `Response` to `replyTo`.
 */
export function buildRequestEvent(request: TransportRequest, requestId: string, replyTo: ReplyAddress): InvokeEvent | ConstructEvent {
  const base = { requestId, seq: 0, stack: [], replyTo };
  if (request.kind === 'create') {
    return { kind: 'Construct', ...base, entity: request.entity, args: request.args, kwargs: request.kwargs };
  }
  return {
    kind: 'Invoke',
    ...base,
    target: { entity: request.entity, key: request.key },
    method: request.method,
    args: request.args,
    kwargs: request.kwargs,
  };
}

/**
 * Reads a `Response` event (JSON text or parsed) and checks the fields the client uses:
 * `kind`, `requestId`, and a `result` that is `{ok}` or `{error: {type, message}}`.
 * Throws a non-retryable {@link TransportError} naming `source` otherwise.
 */
export function parseResponseEvent(input: unknown, source: string): ResponseEvent {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new TransportError(`${source}: the response is not JSON (${(err as Error).message})`, false);
    }
  }
  const event = value as Partial<ResponseEvent> | null;
  if (typeof event !== 'object' || event === null || event.kind !== 'Response' || typeof event.requestId !== 'string') {
    throw new TransportError(`${source}: expected a Response event ({"kind": "Response", "requestId", "result", ...})`, false);
  }
  if (!isResult(event.result)) {
    throw new TransportError(`${source}: the Response event's result is neither {"ok": ...} nor {"error": {"type", "message"}}`, false);
  }
  return event as ResponseEvent;
}

/** Whether a value is a {@link Result}. */
export function isResult(value: unknown): value is Result {
  if (typeof value !== 'object' || value === null) return false;
  if ('ok' in value) return true;
  const error = (value as { error?: { type?: unknown; message?: unknown } }).error;
  return typeof error === 'object' && error !== null && typeof error.type === 'string' && typeof error.message === 'string';
}
