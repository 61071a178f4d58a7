import type { EncodedValue, EntityState, ErrorValue, Result, SystemErrorCode } from '@stateflow/ir';
import { remoteErrorOf, SYSTEM_ERROR_CODES, TransportError } from '../errors.js';
import type { SendContext, Transport, TransportRequest } from '../transport.js';

/** Options of {@link httpTransport}. */
export interface HttpTransportOptions {
  /** Base URL of the API served by `stateflow serve`, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Bearer token of a server started with a token (`Authorization: Bearer <token>`). */
  token?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /**
   * The fetch function.
   * @default globalThis.fetch (Node's fetch keeps connections alive and reuses them)
   */
  fetch?: typeof fetch;
}

/** HTTP statuses worth retrying: the request did not reach the runtime or it was overloaded. */
const RETRYABLE_STATUS = new Set([408, 429, 502, 503, 504]);

/**
 * A transport over the HTTP API of `stateflow serve` (see the HTTP API reference):
 * `POST /{Entity}`, `POST /{Entity}/{key}/{method}`, `GET /{Entity}/{key}`. Each request
 * carries `Idempotency-Key: <requestId>`. Connection failures and 408/429/502/503/504
 * are retryable `TransportError`s; error bodies with a StateFlow or user error type
 * become error results.
 *
 * @example
 * const shop = createShopClient(httpTransport({ url: 'http://127.0.0.1:8080' }));
 */
export function httpTransport(options: HttpTransportOptions): Transport {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') throw new TypeError('httpTransport: no fetch function; pass options.fetch');

  async function request(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal, requestId?: string): Promise<{ status: number; json: unknown }> {
    const url = `${base}${path}`;
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        signal,
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(requestId !== undefined ? { 'idempotency-key': requestId } : {}),
          ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      if (signal.aborted) throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new TransportError(`${method} ${url} failed: ${detail}`, true, { cause: err });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new TransportError(`${method} ${url}: ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`, RETRYABLE_STATUS.has(response.status), {
        status: response.status,
      });
    }
    return { status: response.status, json };
  }

  return {
    name: 'http',
    async send(req: TransportRequest, context: SendContext): Promise<Result> {
      const body = { args: req.args, kwargs: req.kwargs };
      const path =
        req.kind === 'create'
          ? `/${encodeURIComponent(req.entity)}`
          : `/${encodeURIComponent(req.entity)}/${encodeURIComponent(req.key)}/${encodeURIComponent(req.method)}`;
      const { status, json } = await request('POST', path, body, context.signal, context.requestId);
      const ok = json as { key?: unknown; result?: EncodedValue } | undefined;
      if (req.kind === 'create' && status === 201 && typeof ok?.key === 'string') {
        return { ok: { $entity: req.entity, $key: ok.key } };
      }
      if (req.kind === 'invoke' && status === 200 && ok !== undefined && 'result' in ok) {
        return { ok: ok.result ?? null };
      }
      return { error: errorOf(status, json, `POST ${path}`) };
    },
    async getState(entity: string, key: string, context: { signal: AbortSignal }): Promise<EntityState | undefined> {
      const path = `/${encodeURIComponent(entity)}/${encodeURIComponent(key)}`;
      const { status, json } = await request('GET', path, undefined, context.signal);
      if (status === 200) return (json as { state: EntityState }).state;
      const error = errorOf(status, json, `GET ${path}`);
      if (error.code === 'EntityNotFound') return undefined;
      throw remoteErrorOf(error);
    },
  };
}

/**
 * The error result of an HTTP error response. A 422 is a user exception (no code); a
 * body whose type is a StateFlow system code keeps it as the code. Anything else
 * (route not found, malformed request, 5xx from a proxy) is a `TransportError`.
 */
function errorOf(status: number, json: unknown, what: string): ErrorValue {
  const error = (json as { error?: { type?: unknown; message?: unknown } } | undefined)?.error;
  if (error && typeof error.type === 'string' && typeof error.message === 'string') {
    if (status === 422) return { type: error.type, message: error.message };
    if ((SYSTEM_ERROR_CODES as readonly string[]).includes(error.type)) {
      return { type: error.type, message: error.message, code: error.type as SystemErrorCode };
    }
    throw new TransportError(`${what}: ${status} ${error.type}: ${error.message}`, RETRYABLE_STATUS.has(status), { status });
  }
  throw new TransportError(`${what}: unexpected ${status} response`, RETRYABLE_STATUS.has(status), { status });
}
