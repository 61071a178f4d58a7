import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { isEntityRef, toPlainJson, type EncodedValue, type Result } from '@stateflow/ir';
import { EngineUnavailableError, type GatewayEngine, type GatewayMetrics } from '../engine.js';
import { checkClientRequestId } from '../idempotency-key.js';
import { RequestMetrics } from '../request-metrics.js';
import type { BrowserSafetyOptions } from './browser-safety.js';
import { MAX_BODY_BYTES, parseCallBody, readBody } from './body.js';
import { checkJsonContentType, createBrowserSafety, type BrowserSafety } from './browser-safety.js';
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
   * (401 otherwise; compared in constant time). An empty token is refused (it would
   * otherwise look like auth while leaving the server open).
   */
  token?: string;
  /**
   * Names accepted in the `Host` header besides IP addresses, `localhost` and `host`
   * (e.g. a reverse proxy's name; `.example.com` for a domain and its subdomains, `*` for
   * any). Other names get 421: that is how DNS rebinding is refused. `GET /health` and
   * `GET /metrics` skip this check. See {@link BrowserSafetyOptions}.
   * @default []
   */
  allowedHosts?: readonly string[];
  /**
   * Web origins allowed to call the API from a browser (CORS), e.g. `http://localhost:5173`,
   * or `*` for any. Requests with another `Origin` than the server's own get 403.
   * @default []
   */
  corsOrigins?: readonly string[];
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
 * arguments that do not bind), 401 (token), 403 (cross-origin), 404 (unknown entity
 * class, key or route), 405, 409 (key exists), 413, 415 (body not `application/json`),
 * 421 (`Host` not a name of this server), 422 (the method raised; retrying will not
 * help), 500, or 502/503/504 when the engine behind a gateway cannot be reached or does
 * not answer in time.
 *
 * Browser protections are on by default (see {@link BrowserSafetyOptions}): a POST body
 * must be `application/json`, the `Host` must name this server, and a page of another
 * origin may call it only when listed in `corsOrigins`.
 *
 * @throws Error for an empty `token` or a malformed `allowedHosts`/`corsOrigins` entry.
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
  if (options.token !== undefined && (options.token.trim() === '' || options.token.trim() !== options.token)) {
    throw new Error(
      options.token.trim() === ''
        ? 'the token is empty: give a secret of at least one character, or no token at all to serve without auth'
        : 'the token starts or ends with whitespace, which a client cannot send in an Authorization header; remove it',
    );
  }
  const settings: Settings = {
    maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
    tokenDigest: options.token !== undefined ? digest(options.token) : undefined,
    browser: createBrowserSafety({
      bindHost: host,
      ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
      ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
    }),
    entityNames,
    metrics: runtime.metrics ?? new RequestMetrics(),
  };
  const { metrics } = settings;
  // Node's own answer to a request without Host is an empty 400; the browser checks answer it in JSON.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    const started = performance.now();
    void handle(runtime, req, settings).then(({ reply, route }) => {
      send(res, reply, req.method === 'HEAD');
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
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => answerClientError(err, socket));
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
  browser: BrowserSafety;
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
  let cors: Record<string, string> = {};
  try {
    const url = requestUrl(req.url);
    const method = req.method ?? 'GET';
    let route: Route | undefined;
    let routeError: unknown;
    try {
      route = matchRoute(method, url.pathname);
    } catch (err) {
      routeError = err;
    }
    // Browser checks come first, so a refused page learns nothing about routes or auth.
    const verdict = settings.browser.check({
      method,
      headers: req.headers,
      skipHostCheck: route?.kind === 'health' || route?.kind === 'metrics',
    });
    cors = verdict.headers;
    if (verdict.preflight) {
      await readBody(req, settings.maxBodyBytes);
      return { reply: { status: 204, body: undefined, headers: cors }, route: 'preflight' };
    }
    if (!route) throw routeError;
    routeKind = route.kind;
    if (settings.tokenDigest && route.kind !== 'health' && !authorized(req, settings.tokenDigest)) {
      throw new HttpError(401, 'Unauthorized', 'this server requires a token: send the header Authorization: Bearer <token>', {
        'WWW-Authenticate': 'Bearer',
      });
    }
    const reply = await dispatch(runtime, route, req, settings);
    return { reply: { ...reply, headers: { ...cors, ...reply.headers } }, route: routeKind };
  } catch (err) {
    if (err instanceof HttpError) {
      return { reply: { status: err.status, body: errorBody(err.type, err.message), headers: { ...cors, ...err.headers } }, route: routeKind };
    }
    if (err instanceof EngineUnavailableError) {
      return { reply: { status: err.status, body: errorBody(err.type, err.message) }, route: routeKind };
    }
    const message = err instanceof Error ? err.message : String(err);
    return { reply: { status: 500, body: errorBody('Internal', `internal error: ${message}`), headers: cors }, route: routeKind };
  }
}

/** The request target as a URL; a target that is not a path (`*`, `http://…`) is a 400. */
function requestUrl(target: string | undefined): URL {
  const path = target ?? '/';
  try {
    // Prefixing, not resolving: `//x` is a path here, not a host (`new URL('//x', base)` would take x as a host).
    if (path.startsWith('/')) return new URL(`http://localhost${path}`);
  } catch {
    // fall through
  }
  throw new HttpError(400, 'BadRequest', `request target '${path.slice(0, 100)}' is not a path; routes start with /`);
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
  checkJsonContentType(req.headers);
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

/**
 * Answers a request Node could not parse (malformed request line or header, headers too
 * large) with the API's JSON error shape instead of Node's empty 400, then closes.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, reason] = err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
  const type = status === 431 ? 'HeadersTooLarge' : 'BadRequest';
  const message = status === 431 ? 'the request headers are too large' : `the request is not valid HTTP (${err.code ?? err.message})`;
  const text = `${JSON.stringify(errorBody(type, message))}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
}

/** Writes `reply`; an answer to `HEAD` has the headers of the `GET` answer (`Content-Length` too) and no body. */
function send(res: ServerResponse, reply: Reply, head: boolean): void {
  if (reply.status === 204) {
    res.writeHead(204, reply.headers);
    res.end();
    return;
  }
  const text = reply.contentType ? String(reply.body) : `${JSON.stringify(reply.body)}\n`;
  res.writeHead(reply.status, {
    'content-type': reply.contentType ?? 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...reply.headers,
  });
  res.end(head ? undefined : text);
}
