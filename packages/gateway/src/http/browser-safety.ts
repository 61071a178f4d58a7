import { isIP } from 'node:net';
import { HttpError } from './http-error.js';

/**
 * What a web browser may do with a StateFlow HTTP API. The defaults refuse what a page
 * from another site could otherwise do to a server on the user's machine: write through
 * a "simple" cross-site POST (CSRF) and read through DNS rebinding.
 */
export interface BrowserSafetyOptions {
  /** The address the server is bound to (e.g. `127.0.0.1`, `0.0.0.0`, `api.internal`); always an accepted `Host`. */
  bindHost: string;
  /**
   * More names accepted in the `Host` header, e.g. the name of a reverse proxy in front
   * of the server. A leading dot (`.example.com`) accepts the domain and its subdomains;
   * `*` turns the `Host` check off. IP addresses and `localhost` are always accepted.
   * @default []
   */
  allowedHosts?: readonly string[];
  /**
   * Origins of web pages allowed to call the API from a browser (CORS), e.g.
   * `http://localhost:5173`; `*` allows every origin. Same-origin requests need no entry.
   * @default []
   */
  corsOrigins?: readonly string[];
  /**
   * How the caller names the allow-list settings in refusals, e.g. `--allowed-host`.
   * @default { allowedHost: '--allowed-host', corsOrigin: '--cors-origin' }
   */
  settingNames?: { allowedHost: string; corsOrigin: string };
}

/** The request facts the checks read: method and lower-case headers (as Node gives them). */
export interface BrowserRequest {
  /** The HTTP method, e.g. `POST` (`OPTIONS` with `Access-Control-Request-Method` is a preflight). */
  method: string;
  /** The request headers, names in lower case (as Node's `IncomingMessage.headers` has them). */
  headers: { [name: string]: string | string[] | undefined };
  /**
   * Skip the `Host` check, including the need for a `Host` header (monitoring routes such as `GET /health` and `GET /metrics`,
   * which probes reach by whatever name the orchestrator uses; they hold no entity state).
   */
  skipHostCheck?: boolean;
}

/** The outcome of {@link BrowserSafety.check} for a request that may go on. */
export interface BrowserVerdict {
  /** Headers to add to every response to this request (CORS, when the origin was allowed by the list). */
  headers: Record<string, string>;
  /** Set for a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`): answer it with 204 and `headers`. */
  preflight: boolean;
}

/** Checks requests against {@link BrowserSafetyOptions}; reusable by any gateway serving the StateFlow HTTP API. */
export interface BrowserSafety {
  /** Returns the verdict, or throws {@link HttpError} (421 for the `Host`, 403 for the `Origin`) to refuse the request. */
  check(request: BrowserRequest): BrowserVerdict;
}

/** Headers a browser may send on a cross-origin call (listed in preflight answers). */
const CORS_REQUEST_HEADERS = 'content-type, authorization, idempotency-key';
const CORS_METHODS = 'GET, POST';
/** Seconds a browser may cache a preflight answer. */
const CORS_MAX_AGE = '600';

/**
 * Builds the browser checks from their options, validating the lists (throws a plain
 * `Error` naming the bad entry, for the caller to report as a configuration error).
 */
export function createBrowserSafety(options: BrowserSafetyOptions): BrowserSafety {
  const names = options.settingNames ?? { allowedHost: '--allowed-host', corsOrigin: '--cors-origin' };
  const allowedHosts = (options.allowedHosts ?? []).map((entry) => checkHostEntry(entry, names.allowedHost));
  const anyHost = allowedHosts.includes('*');
  const bound = normalizeHostname(options.bindHost.replace(/^\[(.*)\]$/, '$1'));
  const corsOrigins = new Set((options.corsOrigins ?? []).map((entry) => checkOriginEntry(entry, names.corsOrigin)));
  const anyOrigin = corsOrigins.has('*');

  function hostAllowed(hostname: string): boolean {
    if (anyHost || hostname === 'localhost' || hostname === bound) return true;
    // An IP address cannot be rebound: DNS rebinding needs a name the attacker controls.
    if (isIP(hostname.replace(/^\[(.*)\]$/, '$1')) !== 0) return true;
    return allowedHosts.some((entry) => (entry.startsWith('.') ? hostname.endsWith(entry) || hostname === entry.slice(1) : hostname === entry));
  }

  return {
    check(request) {
      const host = single(request.headers['host']);
      if (host === undefined && !request.skipHostCheck) {
        throw new HttpError(400, 'BadRequest', 'the request has no Host header; send one naming this server (HTTP/1.1 requires it)');
      }
      if (host !== undefined && !request.skipHostCheck) {
        const hostname = hostnameOf(host);
        if (hostname === undefined || !hostAllowed(hostname)) {
          throw new HttpError(
            421,
            'HostNotAllowed',
            `Host '${host.slice(0, 200)}' is not a name of this server; requests must name it by IP address, localhost or ${options.bindHost}. ` +
              `If a proxy or DNS name in front of the server sends this Host, allow it with ${names.allowedHost} ${hostname ?? '<name>'}`,
          );
        }
      }
      const origin = single(request.headers['origin']);
      const preflight = request.method === 'OPTIONS' && origin !== undefined && request.headers['access-control-request-method'] !== undefined;
      if (origin === undefined) return { headers: {}, preflight: false };
      const normalized = originOf(origin);
      if (!anyOrigin && !(normalized !== undefined && corsOrigins.has(normalized))) {
        if (!preflight && host !== undefined && normalized !== undefined && sameOrigin(normalized, host)) return { headers: {}, preflight: false };
        throw new HttpError(
          403,
          'OriginNotAllowed',
          `cross-origin request from ${origin.slice(0, 200)} refused: web pages of other origins may not call this server. ` +
            `To allow this one, start the server with ${names.corsOrigin} ${normalized ?? origin.slice(0, 200)}`,
          { Vary: 'Origin' },
        );
      }
      const headers: Record<string, string> = { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
      if (preflight) {
        headers['Access-Control-Allow-Methods'] = CORS_METHODS;
        headers['Access-Control-Allow-Headers'] = CORS_REQUEST_HEADERS;
        headers['Access-Control-Max-Age'] = CORS_MAX_AGE;
      }
      return { headers, preflight };
    },
  };
}

/**
 * Refuses (415) a request body that is not declared `application/json`. A browser can
 * send `text/plain`, form and multipart bodies to any site without asking first; a JSON
 * body from another origin needs a CORS preflight, which {@link BrowserSafety} answers.
 * A POST without a body may omit the type (a browser cannot send one without an
 * `Origin` header, which the origin check handles).
 */
export function checkJsonContentType(headers: BrowserRequest['headers']): void {
  const type = single(headers['content-type']);
  if (type === undefined) {
    const hasBody = headers['transfer-encoding'] !== undefined || (Number(single(headers['content-length']) ?? '0') || 0) > 0;
    if (!hasBody) return;
  } else {
    const [essence, ...params] = type.split(';').map((part) => part.trim().toLowerCase());
    const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/^"(.*)"$/, '$1');
    if (essence === 'application/json' && (charset === undefined || charset === 'utf-8' || charset === 'utf8')) return;
  }
  throw new HttpError(
    415,
    'UnsupportedMediaType',
    `request body must be JSON sent with the header Content-Type: application/json (got ${type === undefined ? 'no Content-Type' : `'${type.slice(0, 100)}'`}); ` +
      `with curl: -H 'content-type: application/json'`,
  );
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function normalizeHostname(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** The hostname of a `Host` header value (lower case, IPv6 in brackets), or undefined if it is not one. */
function hostnameOf(host: string): string | undefined {
  if (host === '' || /[\s/?#@\\]/.test(host)) return undefined;
  try {
    return normalizeHostname(new URL(`http://${host}`).hostname);
  } catch {
    return undefined;
  }
}

/** The serialized origin (`scheme://host[:port]`), or undefined for `null` and malformed values. */
function originOf(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.origin === 'null' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

/** Same origin as the request: the page's host and port are the ones the request was sent to (any scheme, for TLS proxies). */
function sameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === new URL(`http://${host}`).host || new URL(origin).host === new URL(`https://${host}`).host;
  } catch {
    return false;
  }
}

function checkHostEntry(entry: string, flag: string): string {
  const trimmed = entry.trim().toLowerCase();
  if (trimmed === '*') return trimmed;
  const dot = trimmed.startsWith('.') ? '.' : '';
  const bare = trimmed.slice(dot.length);
  let url: URL | undefined;
  try {
    url = /[\s/?#@\\]/.test(bare) || bare === '' ? undefined : new URL(`http://${bare}`);
  } catch {
    url = undefined;
  }
  if (!url || url.port !== '' || bare.endsWith(':')) {
    throw new Error(`${flag} '${entry}' is not a host name: give a name such as api.example.com or .example.com (no scheme, port or path), or * for any`);
  }
  // Browsers send international names in their ASCII (punycode) form: compare that.
  return dot + normalizeHostname(url.hostname);
}

function checkOriginEntry(entry: string, flag: string): string {
  if (entry === '*') return entry;
  let url: URL | undefined;
  try {
    url = new URL(entry);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || entry.endsWith('/')) {
    throw new Error(`${flag} '${entry}' is not an origin: give a scheme, host and optional port such as http://localhost:5173 (no path), or * for any`);
  }
  return url.origin;
}
