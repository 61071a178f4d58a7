import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime, startHttpServer, type HttpServer } from '../../src/index.js';
import { JsHost, counterEntity, counterProgram } from '../support/js-host.js';

let runtime: LocalRuntime;
let server: HttpServer;
let port: number;
const APP = 'http://app.example:5173';

beforeAll(async () => {
  runtime = await LocalRuntime.start(counterProgram, { host: new JsHost({ Counter: counterEntity }) });
  server = await startHttpServer(runtime, { port: 0, allowedHosts: ['proxy.example', '.corp.example'], corsOrigins: [APP] });
  port = Number(new URL(server.url).port);
  const created = await send('POST', '/Counter', { body: '{"args":["c"]}', headers: { 'content-type': 'application/json' } });
  expect(created.status).toBe(201);
});
afterAll(async () => {
  await server.close();
  await runtime.stop();
});

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** Sends a raw request: unlike fetch, node:http lets the test set `Host` and `Origin`. */
function send(method: string, path: string, init: { body?: string; headers?: Record<string, string>; noHost?: boolean } = {}): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const headers = init.noHost ? { ...init.headers } : { host: `127.0.0.1:${port}`, ...init.headers };
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: !init.noHost }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: res.headers['content-type']?.startsWith('application/json') ? JSON.parse(text) : text }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };
const log = () => runtime.getState('Counter', 'c')?.['log'];

describe('browser protections (on by default)', () => {
  it('refuses the cross-site text/plain POST a hostile page can send without asking, changing nothing', async () => {
    const attack = await send('POST', '/Counter/c/add', {
      body: '{"args":[100]}',
      headers: { 'content-type': 'text/plain', origin: 'http://evil.example', host: `127.0.0.1:${port}` },
    });
    expect(attack.status).toBe(403);
    expect(attack.body.error.type).toBe('OriginNotAllowed');
    expect(attack.body.error.message).toContain('--cors-origin http://evil.example');
    expect(log()).toEqual([]);
  });

  it('answers 415 to a POST body that is not declared application/json', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/jsonx']) {
      const res = await send('POST', '/Counter/c/add', { body: '{"args":[1]}', headers: { 'content-type': type } });
      expect(res.status, type).toBe(415);
      expect(res.body.error.type).toBe('UnsupportedMediaType');
      expect(res.body.error.message).toContain('Content-Type: application/json');
    }
    const untyped = await send('POST', '/Counter/c/add', { body: '{"args":[1]}' });
    expect(untyped.status).toBe(415);
    expect(untyped.body.error.message).toContain('no Content-Type');
    expect(log()).toEqual([]);
  });

  it('accepts application/json in any case, with a UTF-8 charset, and a POST without a body and type', async () => {
    expect((await send('POST', '/Counter/c/add', { body: '{"args":[1]}', headers: JSON_TYPE })).status).toBe(200);
    expect((await send('POST', '/Counter/c/add', { body: '{"args":[2]}', headers: { 'content-type': 'Application/JSON; charset=UTF-8' } })).status).toBe(200);
    expect((await send('POST', '/Counter/c/total')).body).toEqual({ result: 3 });
    expect(log()).toEqual([1, 2]);
  });

  it('refuses a Host that is not a name of the server (DNS rebinding) with 421 naming --allowed-host', async () => {
    for (const path of ['/Counter/c', '/Counter/c/add', '/nowhere']) {
      const post = path.endsWith('/add');
      const res = await send(post ? 'POST' : 'GET', path, { headers: { host: `rebind.evil.example:${port}`, ...JSON_TYPE }, ...(post ? { body: '{"args":[5]}' } : {}) });
      expect(res.status, path).toBe(421);
      expect(res.body.error.type).toBe('HostNotAllowed');
      expect(res.body.error.message).toContain('--allowed-host rebind.evil.example');
    }
    expect((await send('GET', '/Counter/c', { headers: { host: 'not a host' } })).status).toBe(421);
    expect(log()).toEqual([1, 2]);
  });

  it('accepts IP addresses, localhost, the bound address and the allowed names as Host', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, '10.1.2.3:80', 'proxy.example', 'a.corp.example:443', 'corp.example']) {
      expect((await send('GET', '/Counter/c', { headers: { host } })).status, host).toBe(200);
    }
    expect((await send('GET', '/Counter/c', { headers: { host: 'evilcorp.example' } })).status).toBe(421);
  });

  it('answers a request without Host, or whose target is not a path, with a JSON 400 (monitoring may omit Host)', async () => {
    const noHost = await send('GET', '/Counter/c', { noHost: true });
    expect(noHost.status).toBe(400);
    expect(noHost.body.error.message).toContain('no Host header');
    expect((await send('GET', '/health', { noHost: true })).status).toBe(200);
    for (const path of ['//', '*']) {
      const res = await send('OPTIONS', path);
      expect(res.status, path).toBeLessThan(500);
      expect(res.body.error.type).toBeDefined();
    }
    expect((await send('GET', '//Counter/c')).status).toBe(200);
  });

  it('answers malformed HTTP with a JSON 400 instead of an empty one', async () => {
    const { connect } = await import('node:net');
    const text = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('GET /Counter/c HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'));
      let out = '';
      socket.setEncoding('utf8').on('data', (c: string) => (out += c));
      socket.on('close', () => resolve(out));
    });
    expect(text).toMatch(/^HTTP\/1.1 400 Bad Request\r\n/);
    expect(JSON.parse(text.split('\r\n\r\n')[1]!).error.type).toBe('BadRequest');
  });

  it('lets monitoring reach /health and /metrics by any Host name', async () => {
    expect((await send('GET', '/health', { headers: { host: 'myapp.svc.cluster.local:8080' } })).body).toMatchObject({ ready: true });
    expect((await send('GET', '/metrics', { headers: { host: 'myapp.svc.cluster.local:8080' } })).status).toBe(200);
  });

  it('accepts same-origin requests and refuses other origins, including null, with 403 naming --cors-origin', async () => {
    expect((await send('GET', '/Counter/c', { headers: { origin: `http://127.0.0.1:${port}` } })).status).toBe(200);
    expect((await send('GET', '/Counter/c', { headers: { origin: `http://localhost:${port}`, host: `localhost:${port}` } })).status).toBe(200);
    for (const origin of ['http://evil.example', `http://127.0.0.1:${port + 1}`, 'null', 'garbage']) {
      const res = await send('GET', '/Counter/c', { headers: { origin } });
      expect(res.status, origin).toBe(403);
      expect(res.body.error.message).toContain('--cors-origin');
    }
  });

  it('answers CORS preflights and adds CORS headers for an allowed origin', async () => {
    const preflight = await send('OPTIONS', '/Counter/c/add', {
      headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'content-type, authorization, idempotency-key',
      vary: 'Origin',
    });
    const call = await send('POST', '/Counter/c/add', { body: '{"args":[4]}', headers: { origin: APP, ...JSON_TYPE } });
    expect(call.status).toBe(200);
    expect(call.headers['access-control-allow-origin']).toBe(APP);
    const failed = await send('POST', '/Counter/c/nope', { body: '{}', headers: { origin: APP, ...JSON_TYPE } });
    expect(failed.status).toBe(400);
    expect(failed.headers['access-control-allow-origin']).toBe(APP);
    const refused = await send('OPTIONS', '/Counter/c/add', { headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(log()).toEqual([1, 2, 4]);
  });
});

describe('browser protection settings', () => {
  it('refuses an empty token and malformed allow-list entries when the server starts', async () => {
    await expect(startHttpServer(runtime, { port: 0, token: '' })).rejects.toThrow(/token is empty/);
    await expect(startHttpServer(runtime, { port: 0, token: ' x' })).rejects.toThrow(/whitespace/);
    await expect(startHttpServer(runtime, { port: 0, corsOrigins: ['http://a.example/app'] })).rejects.toThrow(/--cors-origin 'http:\/\/a.example\/app' is not an origin/);
    await expect(startHttpServer(runtime, { port: 0, allowedHosts: ['http://a.example'] })).rejects.toThrow(/--allowed-host 'http:\/\/a.example' is not a host name/);
    await expect(startHttpServer(runtime, { port: 0, allowedHosts: ['a.example:8080'] })).rejects.toThrow(/no scheme, port or path/);
  });

  it('compares international names in their ASCII form, as browsers send them', async () => {
    const idn = await startHttpServer(runtime, { port: 0, allowedHosts: ['Bücher.example'] });
    try {
      const res = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: Number(new URL(idn.url).port), path: '/Counter/c', headers: { host: 'xn--bcher-kva.example' } }, (r) => {
          r.resume();
          resolve(r.statusCode!);
        });
        req.on('error', reject);
        req.end();
      });
      expect(res).toBe(200);
    } finally {
      await idn.close();
    }
  });

  it('turns the Host check off with *, and allows any origin with *', async () => {
    const open = await startHttpServer(runtime, { port: 0, allowedHosts: ['*'], corsOrigins: ['*'] });
    try {
      const res = await fetch(`${open.url}/Counter/c`, { headers: { origin: 'http://any.example' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://any.example');
    } finally {
      await open.close();
    }
  });
});
