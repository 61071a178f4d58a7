import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime, startHttpServer, type HttpServer, type RequestLogEntry } from '../../src/index.js';
import { JsHost, counterEntity, counterProgram } from '../support/js-host.js';

let runtime: LocalRuntime;
let host: JsHost;
let server: HttpServer;
const log: RequestLogEntry[] = [];

beforeAll(async () => {
  host = new JsHost({ Counter: counterEntity });
  runtime = await LocalRuntime.start(counterProgram, { host });
  server = await startHttpServer(runtime, { port: 0, onRequest: (entry) => log.push(entry) });
});

afterAll(async () => {
  await server.close();
  await runtime.stop();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(server.url + path, init);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

function expectError(res: { status: number; body: any }, status: number, type: string) {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error: { type, message: expect.any(String) } });
  expect(res.body.error.message.length).toBeGreaterThan(10);
}

describe('startHttpServer', () => {
  it('binds 127.0.0.1 and reports the real port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
  });

  it('POST /{Entity} creates an instance: 201 with its key', async () => {
    const res = await call('POST', '/Counter', { args: ['c1'] });
    expect(res).toMatchObject({ status: 201, body: { key: 'c1' } });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('POST /{Entity} with kwargs and with an empty body go to the host', async () => {
    // counterEntity needs a positional name: kwargs-only and empty bodies do not bind.
    expectError(await call('POST', '/Counter', { kwargs: { name: 'x' } }), 400, 'BadArguments');
    expectError(await call('POST', '/Counter'), 400, 'BadArguments');
  });

  it('POST /{Entity} for an existing key: 409', async () => {
    await call('POST', '/Counter', { args: ['dup'] });
    expectError(await call('POST', '/Counter', { args: ['dup'] }), 409, 'EntityExists');
  });

  it('POST /{Entity}/{key}/{method} calls the method: 200 with the result', async () => {
    await call('POST', '/Counter', { args: ['c2'] });
    expect(await call('POST', '/Counter/c2/add', { args: [5] })).toMatchObject({ status: 200, body: { result: 5 } });
    expect(await call('POST', '/Counter/c2/total')).toMatchObject({ status: 200, body: { result: 5 } });
  });

  it('turns tuples into arrays in results', async () => {
    await call('POST', '/Counter', { args: ['t'] });
    expect((await call('POST', '/Counter/t/pair')).body).toEqual({ result: ['t', 0] });
  });

  it('passes entity references and tagged values in arguments through, both ways', async () => {
    await call('POST', '/Counter', { args: ['e'] });
    const ref = { $entity: 'Counter', $key: 'c2' };
    const res = await call('POST', '/Counter/e/echo', { args: [ref, { $tuple: [1, 2] }], kwargs: { x: [ref] } });
    expect(res.body).toEqual({ result: { args: [ref, [1, 2]], kwargs: { x: [ref] } } });
  });

  it('URL-decodes keys', async () => {
    expect((await call('POST', '/Counter', { args: ['a b/c'] })).body).toEqual({ key: 'a b/c' });
    expect((await call('POST', `/Counter/${encodeURIComponent('a b/c')}/add`, { args: [2] })).body).toEqual({ result: 2 });
    expect((await call('GET', `/Counter/${encodeURIComponent('a b/c')}`)).body.state.total).toBe(2);
  });

  it('GET /{Entity}/{key} returns the state: 200', async () => {
    await call('POST', '/Counter', { args: ['g'] });
    await call('POST', '/Counter/g/add', { args: [1] });
    expect(await call('GET', '/Counter/g')).toMatchObject({ status: 200, body: { state: { name: 'g', total: 1, log: [1] } } });
  });

  it('404 for an unknown key, on calls and on reads', async () => {
    expectError(await call('POST', '/Counter/ghost/add', { args: [1] }), 404, 'EntityNotFound');
    const res = await call('GET', '/Counter/ghost');
    expectError(res, 404, 'EntityNotFound');
    expect(res.body.error.message).toContain("Counter 'ghost' does not exist");
  });

  it('404 for an unknown entity class, naming the known ones', async () => {
    for (const res of [
      await call('POST', '/Nope', { args: [] }),
      await call('POST', '/Nope/a/add'),
      await call('GET', '/Nope/a'),
    ]) {
      expectError(res, 404, 'UnknownEntity');
      expect(res.body.error.message).toContain('Counter');
    }
  });

  it('400 for an unknown or private method', async () => {
    await call('POST', '/Counter', { args: ['m'] });
    expectError(await call('POST', '/Counter/m/nope'), 400, 'UnknownMethod');
    expectError(await call('POST', '/Counter/m/_secret'), 400, 'UnknownMethod');
  });

  it('400 for arguments that do not bind', async () => {
    await call('POST', '/Counter', { args: ['b'] });
    expectError(await call('POST', '/Counter/b/add', { args: [1, 2] }), 400, 'BadArguments');
  });

  it('422 with the exception type and message when the method raises', async () => {
    await call('POST', '/Counter', { args: ['x'] });
    const res = await call('POST', '/Counter/x/fail');
    expect(res).toMatchObject({ status: 422, body: { error: { type: 'ValueError', message: 'counter x refuses' } } });
  });

  it('400 BadRequest for a body that is not a call', async () => {
    await call('POST', '/Counter', { args: ['body'] });
    expectError(await call('POST', '/Counter/body/add', '{"args": [1'), 400, 'BadRequest');
    expectError(await call('POST', '/Counter/body/add', '[1]'), 400, 'BadRequest');
    expectError(await call('POST', '/Counter/body/add', '"x"'), 400, 'BadRequest');
    const typo = await call('POST', '/Counter/body/add', { arg: [1] });
    expectError(typo, 400, 'BadRequest');
    expect(typo.body.error.message).toContain("'arg'");
    expectError(await call('POST', '/Counter', '{'), 400, 'BadRequest');
  });

  it('400 BadArguments, with the message of every backend, for args/kwargs of the wrong shape', async () => {
    await call('POST', '/Counter', { args: ['shape'] });
    const argsProblem = 'positional arguments (args) must be an array';
    const kwargsProblem = 'keyword arguments (kwargs) must be an object of names and values';
    for (const [body, message] of [
      [{ args: 1 }, argsProblem],
      [{ args: null }, argsProblem],
      [{ args: {}, kwargs: [] }, argsProblem],
      [{ kwargs: [] }, kwargsProblem],
      [{ kwargs: null }, kwargsProblem],
    ] as const) {
      expect(await call('POST', '/Counter/shape/add', body), JSON.stringify(body)).toMatchObject({ status: 400, body: { error: { type: 'BadArguments', message } } });
    }
    expect(await call('POST', '/Counter', { args: 'x' })).toMatchObject({ status: 400, body: { error: { type: 'BadArguments', message: argsProblem } } });
  });

  it('400 BadArguments for malformed tagged values and references to unknown classes', async () => {
    await call('POST', '/Counter', { args: ['tags'] });
    const bad = await call('POST', '/Counter/tags/echo', { args: [{ $wat: 1 }] });
    expectError(bad, 400, 'BadArguments');
    expect(bad.body.error.message).toContain('args[0]');
    expectError(await call('POST', '/Counter/tags/echo', { args: [{ $entity: 'Counter' }] }), 400, 'BadArguments');
    expectError(await call('POST', '/Counter/tags/echo', { args: [{ $entity: 'Nope', $key: 'a' }] }), 400, 'BadArguments');
    expectError(await call('POST', '/Counter/tags/echo', { kwargs: { n: { $int: 'abc' } } }), 400, 'BadArguments');
  });

  it('404 for unknown routes and 405 for wrong verbs', async () => {
    expectError(await call('GET', '/'), 404, 'NotFound');
    expectError(await call('GET', '/a/b/c/d'), 404, 'NotFound');
    const wrong = await call('GET', '/Counter');
    expectError(wrong, 405, 'MethodNotAllowed');
    expect(wrong.headers.get('allow')).toBe('POST');
    expectError(await call('DELETE', '/Counter/g'), 405, 'MethodNotAllowed');
    expectError(await call('POST', '/Counter/g'), 405, 'MethodNotAllowed');
    expectError(await call('GET', '/Counter/g/add'), 405, 'MethodNotAllowed');
  });

  it('answers HEAD on GET routes as GET without a body', async () => {
    await call('POST', '/Counter', { args: ['head'] });
    const head = async (path: string) => {
      const res = await fetch(server.url + path, { method: 'HEAD' });
      return { status: res.status, headers: res.headers, text: await res.text() };
    };
    const get = await fetch(server.url + '/Counter/head');
    const getText = await get.text();
    const res = await head('/Counter/head');
    expect(res).toMatchObject({ status: 200, text: '' });
    expect(res.headers.get('content-type')).toBe(get.headers.get('content-type'));
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(getText)));
    expect(await head('/Counter/missing')).toMatchObject({ status: 404, text: '' });
    expect(await head('/health')).toMatchObject({ status: 200, text: '' });
    expect(await head('/metrics')).toMatchObject({ status: 200, text: '' });
    // POST routes stay POST only; GET routes list HEAD in Allow.
    const post = await head('/Counter/head/add');
    expect(post).toMatchObject({ status: 405, text: '' });
    expect(post.headers.get('allow')).toBe('POST');
    expect((await call('DELETE', '/Counter/head')).headers.get('allow')).toBe('GET, HEAD');
    expect((await call('POST', '/health')).headers.get('allow')).toBe('GET, HEAD');
    expect(log.filter((e) => e.method === 'HEAD').map((e) => e.status)).toEqual([200, 404, 200, 200, 405]);
  });

  it('500 with the error shape when the host fails', async () => {
    await call('POST', '/Counter', { args: ['crash'] });
    host.failWith = new Error('interpreter died');
    try {
      const res = await call('POST', '/Counter/crash/add', { args: [1] });
      expectError(res, 500, 'Internal');
      expect(res.body.error.message).toContain('interpreter died');
    } finally {
      host.failWith = undefined;
    }
  });

  it('reports each request to onRequest', async () => {
    log.length = 0;
    await call('GET', '/Counter/nothing-here');
    expect(log).toEqual([
      { method: 'GET', path: '/Counter/nothing-here', status: 404, route: 'get', durationMs: expect.any(Number), errorType: 'EntityNotFound' },
    ]);
  });
});
