import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isEntityRef, toPlainJson, type EncodedValue, type Result } from '@stateflow/ir';
import { EngineUnavailableError, type GatewayEngine, type GatewayMetrics } from '../engine.js';
import { checkClientRequestId } from '../idempotency-key.js';
import { RequestMetrics } from '../request-metrics.js';
import { MAX_BODY_BYTES, parseCallBody, readBody } from './body.js';
import { HttpError } from './http-error.js';
import { matchRoute, RESERVED_NAMES, type Route } from './routes.js';
import { httpStatusOf } from './status.js';

/** One handled request, for access logs. */
export interface RequestLogEntry {
  method: string;
  /** Path and query as received. */
  path: string;
  status: number;
  durationMs: number;
  /** The matched route kind (`create`, `invoke`, `get`, `health`, `metrics`), or `none`. */
  route: string;
  /** `error.type` of the response, when it is an error. */
  errorType?: string;
  /** The `Idempotency-Key` of the request, when it had one. */
  idempotencyKey?: string;
}

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /**
   * TCP port; `0` picks a free one (read it from {@link HttpServer.url}).
   * @default 8080
   */
  port?: number;
  /**
   * Interface to bind.
   * @default '127.0.0.1'
   */
  host?: string;
  /** Called after each request, e.g. to print an access log line. */
  onRequest?: (entry: RequestLogEntry) => void;
  /**
   * Largest accepted request body in bytes; larger ones get 413.
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number;
  /**
   * When set, every route except `GET /health` requires `Authorization: Bearer <token>`
   * (401 otherwise; compared in constant time).
   */
  token?: string;
}

/** A running HTTP server. */
export interface HttpServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`, with the real port. */
  url: string;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}

interface Reply {
  status: number;
  /** JSON body, or text when `contentType` is set. */
  body: unknown;
  headers?: Record<string, string>;
  contentType?: string;
}

/**
 * Serves the HTTP API of a runtime, or of any engine behind the gateway interface
 * (`GatewayEngine` of `@stateflow/gateway`: the embedded runtime, Flink over Kafka):
 *
 * - `POST /{Entity}` with `{"args": [...], "kwargs": {...}}` creates an instance: 201 `{"key": "..."}`.
 * - `POST /{Entity}/{key}/{method}` calls a method: 200 `{"result": value}`.
 * - `GET /{Entity}/{key}` reads the state: 200 `{"state": {...}}`.
 *
 * Errors are `{"error": {"type", "message"}}` with 400 (bad request, unknown method,
 * arguments that do not bind), 404 (unknown entity class, key or route), 405, 409
 * (key exists), 413, 422 (the method raised; retrying will not help), 500, or 502/503/504
 * when the engine behind a gateway cannot be reached or does not answer in time.
 */
export async function startHttpServer(runtime: GatewayEngine, options: HttpServerOptions = {}): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  const entityNames = runtime.program.entities.map((e) => e.name);
  const clash = entityNames.filter((name) => RESERVED_NAMES.includes(name));
  if (clash.length > 0) {
    throw new Error(
      `entity class ${clash.map((n) => `'${n}'`).join(', ')} uses a name reserved for the runtime's own routes (${RESERVED_NAMES.join(', ')}); rename the class`,
    );
  }
  const settings: Settings = {
    maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
    tokenDigest: options.token !== undefined && options.token !== '' ? digest(options.token) : undefined,
    entityNames,
    metrics: runtime.metrics ?? new RequestMetrics(),
  };
  const { metrics } = settings;
  const server = createServer((req, res) => {
    const started = performance.now();
    void handle(runtime, req, settings).then(({ reply, route }) => {
      send(res, reply);
      const durationMs = performance.now() - started;
      metrics.observeRequest(route, reply.status, durationMs);
      if (!options.onRequest) return;
      const error = reply.contentType ? undefined : (reply.body as { error?: { type?: string } });
      const key = req.headers['idempotency-key'];
      options.onRequest({
        method: req.method ?? '?',
        path: req.url ?? '',
        status: reply.status,
        durationMs,
        route,
        ...(error?.error?.type ? { errorType: error.error.type } : {}),
        ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface Settings {
  maxBodyBytes: number;
  tokenDigest: Buffer | undefined;
  entityNames: string[];
  metrics: GatewayMetrics;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compares the bearer token in constant time (over fixed-size digests, so the length does not leak). */
function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer (.+)$/i.exec(header);
  return timingSafeEqual(digest(match ? match[1]!.trim() : ''), expected) && match !== null;
}

async function handle(runtime: GatewayEngine, req: IncomingMessage, settings: Settings): Promise<{ reply: Reply; route: string }> {
  let routeKind = 'none';
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = matchRoute(req.method ?? 'GET', url.pathname);
    routeKind = route.kind;
    if (settings.tokenDigest && route.kind !== 'health' && !authorized(req, settings.tokenDigest)) {
      throw new HttpError(401, 'Unauthorized', 'this server requires a token: send the header Authorization: Bearer <token>', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    return { reply: await dispatch(runtime, route, req, settings), route: routeKind };
  } catch (err) {
    if (err instanceof HttpError) {
      return { reply: { status: err.status, body: errorBody(err.type, err.message), headers: err.headers }, route: routeKind };
    }
    if (err instanceof EngineUnavailableError) {
      return { reply: { status: err.status, body: errorBody(err.type, err.message) }, route: routeKind };
    }
    const message = err instanceof Error ? err.message : String(err);
    return { reply: { status: 500, body: errorBody('Internal', `internal error: ${message}`) }, route: routeKind };
  }
}

function idempotencyKey(req: IncomingMessage): { requestId?: string } {
  const key = req.headers['idempotency-key'];
  if (key === undefined) return {};
  const text = Array.isArray(key) ? key.join(',') : key;
  const problem = checkClientRequestId(text);
  if (problem) throw new HttpError(400, 'BadRequest', `Idempotency-Key header: ${problem}`);
  return { requestId: text };
}

async function dispatch(runtime: GatewayEngine, route: Route, req: IncomingMessage, settings: Settings): Promise<Reply> {
  if (route.kind === 'health') {
    await readBody(req, settings.maxBodyBytes);
    const health = await runtime.health();
    if (settings.tokenDigest && !authorized(req, settings.tokenDigest)) {
      // Without the token, say only whether the server is ready.
      return { status: health.ready ? 200 : 503, body: { ready: health.ready } };
    }
    return { status: health.ready ? 200 : 503, body: health };
  }
  if (route.kind === 'metrics') {
    await readBody(req, settings.maxBodyBytes);
    return { status: 200, body: settings.metrics.render(), contentType: 'text/plain; version=0.0.4; charset=utf-8' };
  }
  if (route.kind === 'get') {
    // Drain the body (if any) so keep-alive connections stay usable.
    await readBody(req, settings.maxBodyBytes);
    if (!settings.entityNames.includes(route.entity)) {
      const known = settings.entityNames.join(', ') || 'none';
      return { status: 404, body: errorBody('UnknownEntity', `there is no entity class '${route.entity}' (entities: ${known})`) };
    }
    const state = await runtime.getState(route.entity, route.key);
    if (state === undefined) {
      return {
        status: 404,
        body: errorBody('EntityNotFound', `${route.entity} '${route.key}' does not exist; create it with POST /${route.entity}`),
      };
    }
    return { status: 200, body: { state: toPlainJson(state) } };
  }
  const call = idempotencyKey(req);
  const body = parseCallBody(await readBody(req, settings.maxBodyBytes));
  if (route.kind === 'create') {
    const result = await runtime.create(route.entity, body.args, body.kwargs, call);
    if ('error' in result) return errorReply(result);
    const key = isEntityRef(result.ok) ? result.ok.$key : String(result.ok);
    return { status: 201, body: { key } };
  }
  const result = await runtime.invoke(route.entity, route.key, route.method, body.args, body.kwargs, call);
  if ('error' in result) return errorReply(result);
  return { status: 200, body: { result: toPlainJson(result.ok as EncodedValue) } };
}

function errorReply(result: Result): Reply {
  if (!('error' in result)) throw new Error('expected an error result');
  const { error } = result;
  return { status: httpStatusOf(error), body: errorBody(error.type, error.message) };
}

function errorBody(type: string, message: string): { error: { type: string; message: string } } {
  return { error: { type, message } };
}

function send(res: ServerResponse, reply: Reply): void {
  const text = reply.contentType ? String(reply.body) : `${JSON.stringify(reply.body)}\n`;
  res.writeHead(reply.status, {
    'content-type': reply.contentType ?? 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...reply.headers,
  });
  res.end(text);
}
