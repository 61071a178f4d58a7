import { HttpError } from './http-error.js';

/** A matched API route. */
export type Route =
  | { kind: 'health' }
  | { kind: 'metrics' }
  | { kind: 'create'; entity: string }
  | { kind: 'invoke'; entity: string; key: string; method: string }
  | { kind: 'get'; entity: string; key: string };

const ROUTES_HELP = 'routes: POST /{Entity}, POST /{Entity}/{key}/{method}, GET /{Entity}/{key}, GET /health, GET /metrics';

/** First path segments that never name an entity class: the runtime's own routes. */
export const RESERVED_NAMES: readonly string[] = ['health', 'metrics'];

/** What the `Allow` header of a 405 lists for a route answered to `verb`. */
function allowHeader(verb: 'GET' | 'POST'): string {
  return verb === 'GET' ? 'GET, HEAD' : 'POST';
}

/**
 * Matches a request to a route. Path segments are URL-decoded. `HEAD` matches the `GET`
 * routes (the server answers it as `GET` without a body, as HTTP requires). Throws
 * {@link HttpError} 404 for unknown paths and 405 (with `Allow`) for a known path with
 * the wrong verb.
 */
export function matchRoute(method: string, pathname: string): Route {
  const verb = method === 'HEAD' ? 'GET' : method;
  const trimmed = pathname.replace(/^\/+/, '').replace(/\/$/, '');
  const raw = trimmed === '' ? [] : trimmed.split('/');
  let segments: string[];
  try {
    segments = raw.map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, 'BadRequest', `path ${pathname} is not correctly URL-encoded`);
  }
  if (segments.length === 0 || segments.length > 3 || segments.some((s) => s === '')) {
    throw new HttpError(404, 'NotFound', `no route for ${method} ${pathname}; ${ROUTES_HELP}`);
  }
  if (segments.length === 1 && RESERVED_NAMES.includes(segments[0]!)) {
    if (verb !== 'GET') {
      throw new HttpError(405, 'MethodNotAllowed', `${method} is not allowed on ${pathname}; use GET`, { Allow: allowHeader('GET') });
    }
    return { kind: segments[0] as 'health' | 'metrics' };
  }
  const allowed = segments.length === 2 ? 'GET' : 'POST';
  if (verb !== allowed) {
    throw new HttpError(405, 'MethodNotAllowed', `${method} is not allowed on ${pathname}; use ${allowed} (${ROUTES_HELP})`, {
      Allow: allowHeader(allowed),
    });
  }
  const [entity, key, name] = segments as [string, string?, string?];
  if (key === undefined) return { kind: 'create', entity };
  if (name === undefined) return { kind: 'get', entity, key };
  return { kind: 'invoke', entity, key, method: name };
}
