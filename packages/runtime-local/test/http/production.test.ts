import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime, startHttpServer, type HttpServer } from '../../src/index.js';
import { JsHost, counterEntity, counterProgram } from '../support/js-host.js';

let runtime: LocalRuntime;
let server: HttpServer;
const TOKEN = 's3cret-token';

beforeAll(async () => {
  runtime = await LocalRuntime.start(counterProgram, { host: new JsHost({ Counter: counterEntity }) });
  server = await startHttpServer(runtime, { port: 0, token: TOKEN, maxBodyBytes: 64 });
});
afterAll(async () => {
  await server.close();
  await runtime.stop();
});

async function call(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, body: res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined, headers: res.headers };
}

describe('HTTP API in production settings', () => {
  it('requires the bearer token (401 otherwise), except for GET /health', async () => {
    for (const headers of [{ authorization: '' }, { authorization: 'Bearer wrong' }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await call('POST', '/Counter', { body: '{"args":["x"]}', headers });
      expect(res.status).toBe(401);
      expect(res.body.error.type).toBe('Unauthorized');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect((await call('POST', '/Counter', { body: '{"args":["a"]}' })).status).toBe(201);
    const health = await call('GET', '/health', { headers: { authorization: '' } });
    expect(health).toMatchObject({ status: 200, body: { ready: true } });
    expect(Object.keys(health.body)).toEqual(['ready']);
  });

  it('reports health with details to an authorized caller', async () => {
    const res = await call('GET', '/health');
    expect(res.body).toMatchObject({ ready: true, durable: false, host: 'js-test', entities: ['Counter'], queued: 0 });
  });

  it('answers 413 past the body limit and 400 for malformed JSON or unknown fields', async () => {
    expect((await call('POST', '/Counter/a/add', { body: JSON.stringify({ args: ['x'.repeat(100)] }) })).status).toBe(413);
    expect((await call('POST', '/Counter/a/add', { body: '{"args": [1' })).body.error.type).toBe('BadRequest');
    const unknown = await call('POST', '/Counter/a/add', { body: '{"args": [1], "extra": 2}' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain("'extra'");
  });

  it('replays the first outcome for a repeated Idempotency-Key', async () => {
    const first = await call('POST', '/Counter/a/add', { body: '{"args":[5]}', headers: { 'idempotency-key': 'add-5' } });
    const again = await call('POST', '/Counter/a/add', { body: '{"args":[5]}', headers: { 'idempotency-key': 'add-5' } });
    expect(first.body).toEqual({ result: 5 });
    expect(again.body).toEqual({ result: 5 });
    expect(runtime.getState('Counter', 'a')?.['log']).toEqual([5]);
    const bad = await call('POST', '/Counter/a/add', { body: '{"args":[5]}', headers: { 'idempotency-key': 'x'.repeat(201) } });
    expect(bad.status).toBe(400);
    // The same key with another body is a client bug: refused, nothing runs.
    const reused = await call('POST', '/Counter/a/add', { body: '{"args":[6]}', headers: { 'idempotency-key': 'add-5' } });
    expect(reused.status).toBe(422);
    expect(reused.body.error).toMatchObject({ type: 'IdempotencyKeyReused' });
    expect(reused.body.error.message).toContain("'add-5'");
    expect(runtime.getState('Counter', 'a')?.['log']).toEqual([5]);
  });

  it('serves Prometheus metrics', async () => {
    const res = await call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.text).toMatch(/^stateflow_http_requests_total\{route="create",status="201"\} 1$/m);
    expect(res.text).toMatch(/^stateflow_http_requests_total\{route="create",status="401"\} 3$/m);
    expect(res.text).toMatch(/^stateflow_events_processed_total\{kind="Invoke"\} \d+$/m);
    expect(res.text).toContain('stateflow_http_request_duration_seconds_bucket{route="invoke",le="0.005"}');
    expect(res.text).toMatch(/^stateflow_batch_size_count \d+$/m);
    expect(res.text).toMatch(/^stateflow_queue_depth 0$/m);
    expect(res.text).toMatch(/^stateflow_store_commit_duration_seconds_count \d+$/m);
    expect(res.text).toMatch(/^stateflow_worker_restarts_total 0$/m);
    expect(res.text).toMatch(/^stateflow_idempotent_replays_total 1$/m);
  });

  it('reserves /health and /metrics: other verbs are 405', async () => {
    expect((await call('POST', '/health')).status).toBe(405);
    expect((await call('POST', '/metrics')).status).toBe(405);
  });
});

describe('reserved names', () => {
  it('refuses to serve an entity class named like a runtime route', async () => {
    const program = { ...counterProgram, entities: counterProgram.entities.map((e) => ({ ...e, name: 'health' })) };
    const rt = await LocalRuntime.start(program, { host: new JsHost({ health: counterEntity }) });
    await expect(startHttpServer(rt, { port: 0 })).rejects.toThrow(/reserved/);
    await rt.stop();
  });
});
