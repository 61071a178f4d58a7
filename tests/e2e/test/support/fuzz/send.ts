import { Agent, request } from 'node:http';
import { ALLOWED_HOST, CORS_ORIGIN, TOKEN, type FuzzRequest } from './requests.js';

/** The answer to one request, or how it failed to get one. */
export type Outcome =
  | { kind: 'response'; status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any }
  | { kind: 'transport'; error: string };

/** Sends fuzz requests to one server over a small pool of kept-alive connections. */
export class FuzzSender {
  private readonly agent: Agent;

  constructor(
    private readonly port: number,
    connections: number,
    private readonly timeoutMs = 30_000,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  /** The header values a request's choices stand for. */
  headersOf(req: FuzzRequest): Record<string, string> {
    const h = req.headers;
    const host = {
      bound: `127.0.0.1:${this.port}`,
      localhost: `localhost:${this.port}`,
      ipv6: `[::1]:${this.port}`,
      allowed: ALLOWED_HOST,
      foreign: `rebound.evil.example:${this.port}`,
      garbage: 'bad host!',
      absent: undefined,
    }[h.host];
    const origin = {
      none: undefined,
      same: `http://${host ?? `127.0.0.1:${this.port}`}`,
      allowed: CORS_ORIGIN,
      foreign: 'http://evil.example',
      null: 'null',
      garbage: 'not an origin',
    }[h.origin];
    const auth = { good: `Bearer ${TOKEN}`, none: undefined, wrong: 'Bearer nope', basic: 'Basic Zm9vOmJhcg==' }[h.auth];
    const out: Record<string, string> = {};
    if (host !== undefined) out['host'] = host;
    if (origin !== undefined) out['origin'] = origin;
    if (auth !== undefined) out['authorization'] = auth;
    if (h.contentType !== undefined && req.body !== undefined) out['content-type'] = h.contentType;
    if (h.idempotencyKey !== undefined) out['idempotency-key'] = h.idempotencyKey;
    if (req.method === 'OPTIONS' && req.label === 'preflight') out['access-control-request-method'] = 'POST';
    return out;
  }

  send(req: FuzzRequest): Promise<Outcome> {
    const headers = this.headersOf(req);
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : Buffer.from(req.body);
    if (body !== undefined) headers['content-length'] = String(body.length);
    return new Promise((resolve) => {
      let settled = false;
      const done = (outcome: Outcome) => {
        if (!settled) {
          settled = true;
          resolve(outcome);
        }
      };
      let sent;
      try {
        sent = request({ host: '127.0.0.1', port: this.port, method: req.method, path: req.path, headers, agent: this.agent, setHost: false, timeout: this.timeoutMs }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => done({ kind: 'transport', error: `response: ${err.message}` }));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            if (String(res.headers['content-type']).startsWith('application/json')) {
              try {
                json = JSON.parse(text);
              } catch {
                json = undefined;
              }
            }
            done({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
        });
      } catch (err) {
        // node:http refused to send it (a header or path it considers invalid): not a server outcome.
        done({ kind: 'transport', error: `client refused to send: ${(err as Error).message}` });
        return;
      }
      sent.on('timeout', () => {
        sent.destroy(new Error(`no answer within ${this.timeoutMs} ms`));
      });
      sent.on('error', (err: NodeJS.ErrnoException) => done({ kind: 'transport', error: err.code ?? err.message }));
      sent.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
