import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isEntityRef, toPlainJson, type EncodedValue, type Result } from '@stateflow/ir';
import type { LocalRuntime } from '../runtime.js';
import { parseCallBody, readBody } from './body.js';
import { HttpError } from './http-error.js';
import { matchRoute, type Route } from './routes.js';
import { httpStatusOf } from './status.js';
import { findEntity } from '../validate-call.js';

/** One handled request, for access logs. */
export interface RequestLogEntry {
  method: string;
  /** Path and query as received. */
  path: string;
  status: number;
  durationMs: number;
  /** `error.type` of the response, when it is an error. */
  errorType?: string;
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
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * Serves the HTTP API of a runtime:
 *
 * - `POST /{Entity}` with `{"args": [...], "kwargs": {...}}` creates an instance: 201 `{"key": "..."}`.
 * - `POST /{Entity}/{key}/{method}` calls a method: 200 `{"result": value}`.
 * - `GET /{Entity}/{key}` reads the state: 200 `{"state": {...}}`.
 *
 * Errors are `{"error": {"type", "message"}}` with 400 (bad request, unknown method,
 * arguments that do not bind), 404 (unknown entity class, key or route), 405, 409
 * (key exists), 413, 422 (the method raised; retrying will not help) or 500.
 */
export async function startHttpServer(runtime: LocalRuntime, options: HttpServerOptions = {}): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    const started = performance.now();
    void handle(runtime, req).then((reply) => {
      send(res, reply);
      const error = (reply.body as { error?: { type?: string } }).error;
      options.onRequest?.({
        method: req.method ?? '?',
        path: req.url ?? '',
        status: reply.status,
        durationMs: performance.now() - started,
        ...(error?.type ? { errorType: error.type } : {}),
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

async function handle(runtime: LocalRuntime, req: IncomingMessage): Promise<Reply> {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = matchRoute(req.method ?? 'GET', url.pathname);
    return await dispatch(runtime, route, req);
  } catch (err) {
    if (err instanceof HttpError) {
      return { status: err.status, body: errorBody(err.type, err.message), headers: err.headers };
    }
    const message = err instanceof Error ? err.message : String(err);
    return { status: 500, body: errorBody('Internal', `internal error: ${message}`) };
  }
}

async function dispatch(runtime: LocalRuntime, route: Route, req: IncomingMessage): Promise<Reply> {
  if (route.kind === 'get') {
    // Drain the body (if any) so keep-alive connections stay usable.
    await readBody(req);
    const found = findEntity(runtime.program, route.entity);
    if ('error' in found) return errorReply(found);
    const state = runtime.getState(route.entity, route.key);
    if (state === undefined) {
      return {
        status: 404,
        body: errorBody('EntityNotFound', `${route.entity} '${route.key}' does not exist; create it with POST /${route.entity}`),
      };
    }
    return { status: 200, body: { state: toPlainJson(state) } };
  }
  const body = parseCallBody(await readBody(req), runtime.entityNames);
  if (route.kind === 'create') {
    const result = await runtime.create(route.entity, body.args, body.kwargs);
    if ('error' in result) return errorReply(result);
    const key = isEntityRef(result.ok) ? result.ok.$key : String(result.ok);
    return { status: 201, body: { key } };
  }
  const result = await runtime.invoke(route.entity, route.key, route.method, body.args, body.kwargs);
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
  const text = `${JSON.stringify(reply.body)}\n`;
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...reply.headers,
  });
  res.end(text);
}
