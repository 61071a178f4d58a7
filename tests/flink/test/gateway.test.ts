import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { StateflowClient } from '@stateflow/client';
import { kafkaTransport, type KafkaTransport } from '@stateflow/client/kafka';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registry } from './support/suite.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../../packages/cli/dist/bin.js', import.meta.url));
const TOKEN = 'gateway-test-token';

/** `stateflow run … --target flink --port 0`: the job and the HTTP gateway in front of it. */
describe('stateflow run --target flink serves the HTTP API of stateflow serve (gateway over Kafka)', () => {
  let child: ChildProcess;
  let url = '';
  let stdout = '';
  let stderr = '';
  let prefix = '';
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as Record<string, unknown>) : text };
  };

  beforeAll(async () => {
    prefix = `gw${Date.now().toString(36)}`;
    child = spawn(
      process.execPath,
      [BIN, 'run', 'examples/shop/app.py', '--target', 'flink', '--bootstrap', inject('bootstrap'), '--topic-prefix', prefix, '--fresh', '--port', '0', '--token', TOKEN],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    registry.register(child.pid!, 'stateflow run (gateway.test.ts)');
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const deadline = Date.now() + 180_000;
    while (!/ at (http:\S+)/.test(stdout) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    const m = / at (http:\S+)/.exec(stdout);
    if (!m) throw new Error(`stateflow run did not start the gateway:\n${stdout}\n${stderr}`);
    url = m[1]!;
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGINT');
      await exited;
    }
    if (child?.pid) registry.unregister(child.pid);
  });

  it('answers like stateflow serve: routes, statuses, errors, token', async () => {
    expect((await fetch(`${url}/Item/coke`)).status).toBe(401);
    expect(await call('GET', '/health')).toMatchObject({ status: 200, body: { ready: true, entities: ['Item', 'User'] } });
    expect(await call('POST', '/Item', { args: ['coke', 3] })).toEqual({ status: 201, body: { key: 'coke' } });
    expect(await call('POST', '/User', { args: ['alice'] })).toEqual({ status: 201, body: { key: 'alice' } });
    expect(await call('POST', '/Item', { args: ['coke', 1] })).toMatchObject({ status: 409, body: { error: { type: 'EntityExists' } } });
    expect(await call('POST', '/Item/coke/update_stock', { args: [10] })).toEqual({ status: 200, body: { result: true } });
    expect(await call('POST', '/User/alice/update_balance', { args: [99] })).toEqual({ status: 200, body: { result: null } });
    expect(await call('POST', '/User/alice/buy_item', { args: [2, { $entity: 'Item', $key: 'coke' }] })).toEqual({ status: 200, body: { result: true } });
    expect(await call('GET', '/Item/coke')).toEqual({ status: 200, body: { state: { item_name: 'coke', stock: 8, price: 3 } } });
    expect(await call('GET', '/Item/pepsi')).toMatchObject({ status: 404, body: { error: { type: 'EntityNotFound' } } });
    expect(await call('POST', '/Nope', {})).toMatchObject({ status: 404, body: { error: { type: 'UnknownEntity' } } });
    expect(await call('POST', '/Item/coke/update_stock', { args: [-100] })).toEqual({
      status: 422,
      body: { error: { type: 'NotEnoughStock', message: 'only 8 of coke left' } },
    });
    expect(await call('POST', '/Item/coke/nope', {})).toMatchObject({ status: 400, body: { error: { type: 'UnknownMethod' } } });
    expect(await call('POST', '/Item/coke/update_stock', '{bad')).toMatchObject({ status: 400, body: { error: { type: 'BadRequest' } } });
    expect(await call('POST', '/Item/coke/update_stock', { args: [1] }, { 'idempotency-key': 'has space' })).toMatchObject({ status: 400 });
    expect(await call('GET', '/metrics')).toMatchObject({ status: 200, body: expect.stringContaining('stateflow_http_requests_total{route="invoke",status="200"}') });
  });

  it('maps Idempotency-Key to the request id: a repeated split call gets the first outcome, applied once', async () => {
    const headers = { 'idempotency-key': `buy-${prefix}` };
    const body = { args: [1, { $entity: 'Item', $key: 'coke' }] };
    const [a, b] = await Promise.all([call('POST', '/User/alice/buy_item', body, headers), call('POST', '/User/alice/buy_item', body, headers)]);
    expect([a, b]).toEqual([{ status: 200, body: { result: true } }, { status: 200, body: { result: true } }]);
    expect(await call('POST', '/User/alice/buy_item', body, headers)).toEqual({ status: 200, body: { result: true } });
    expect(((await call('GET', '/Item/coke')).body as { state: { stock: number } }).state.stock).toBe(7);
  });

  it('costs little next to the Kafka transport (sequential calls, p50)', async () => {
    const transport: KafkaTransport = kafkaTransport({ brokers: [inject('bootstrap')], requestTopic: `${prefix}-ingress`, replyTopic: `${prefix}-egress` });
    const client = new StateflowClient(transport, { timeoutMs: 60_000 });
    const p50 = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    try {
      await client.invoke({ entity: 'Item', key: 'coke' }, 'update_stock', [0]);
      const direct: number[] = [];
      const viaHttp: number[] = [];
      for (let i = 0; i < 20; i++) {
        let t = performance.now();
        await client.invoke({ entity: 'Item', key: 'coke' }, 'update_stock', [1]);
        direct.push(performance.now() - t);
        t = performance.now();
        expect((await call('POST', '/Item/coke/update_stock', { args: [1] })).status).toBe(200);
        viaHttp.push(performance.now() - t);
      }
      process.stderr.write(`[flink-tests] update_stock p50: client Kafka transport ${p50(direct).toFixed(1)} ms, HTTP gateway ${p50(viaHttp).toFixed(1)} ms (20 sequential calls each)\n`);
      expect(p50(viaHttp)).toBeLessThan(p50(direct) + 100);
    } finally {
      await transport.close();
    }
  });

  it('stops the job and the gateway on Ctrl-C', async () => {
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});
