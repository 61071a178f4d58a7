import { createServer, type Server } from 'node:http';
import type { Scenario } from '@stateflow/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asHttpShowsIt, httpConformanceClient } from '../src/index.js';

/** A stand-in for the HTTP API's routes, answering what the client must map. */
let server: Server;
let url: string;
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${body}`);
      const send = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.url === '/Item') return send(201, { key: 'coke' });
      if (req.url === '/Item/coke/price') return send(200, { result: 3 });
      if (req.url === '/Item/a%2Fb/price') return send(422, { error: { type: 'ValueError', message: 'no' } });
      if (req.url === '/Item/coke') return send(200, { state: { price: 3 } });
      return send(404, { error: { type: 'EntityNotFound', message: 'gone' } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('httpConformanceClient', () => {
  it('maps creates, calls, errors and state reads of the HTTP API to conformance results', async () => {
    let closed = false;
    const client = httpConformanceClient(url, async () => void (closed = true));
    expect(await client.create('Item', ['coke', 3], {})).toEqual({ ok: { $entity: 'Item', $key: 'coke' } });
    expect(await client.invoke('Item', 'coke', 'price', [], {})).toEqual({ ok: 3 });
    expect(await client.invoke('Item', 'a/b', 'price', [], {})).toEqual({ error: { type: 'ValueError', message: 'no' } });
    expect(await client.getState('Item', 'coke')).toEqual({ price: 3 });
    expect(await client.getState('Item', 'nope')).toBeUndefined();
    await client.close();
    expect(closed).toBe(true);
    expect(seen[0]).toBe('POST /Item {"args":["coke",3],"kwargs":{}}');
  });
});

describe('asHttpShowsIt', () => {
  it('turns expected tuples and sets into the plain JSON arrays the HTTP API answers with', () => {
    const scenario = {
      id: 's',
      feature: 'f',
      name: 'n',
      steps: [
        { op: 'invoke', entity: 'A', key: 'k', method: 'm', args: [], expect: { result: { $tuple: [1, 2] } } },
        { op: 'get', entity: 'A', key: 'k', expect: { state: { tags: { $set: ['x'] } } } },
      ],
    } as unknown as Scenario;
    const steps = asHttpShowsIt(scenario).steps;
    expect(steps[0]!.expect).toEqual({ result: [1, 2] });
    expect(steps[1]!.expect).toEqual({ state: { tags: ['x'] } });
  });
});
