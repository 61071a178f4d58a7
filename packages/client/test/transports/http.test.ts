import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { httpTransport, StateflowClient, TransportError, UnavailableError } from '../../src/index.js';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('httpTransport', () => {
  it('reports a refused connection as a retryable TransportError, after retrying', async () => {
    const port = await closedPort();
    const client = new StateflowClient(httpTransport({ url: `http://127.0.0.1:${port}/` }), { retry: { attempts: 2, initialDelayMs: 1 } });
    const err = await client.invoke({ entity: 'Item', key: 'coke' }, 'update_stock', [1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ retryable: true });
    expect((err as Error).message).toMatch(new RegExp(`POST http://127.0.0.1:${port}/Item/coke/update_stock failed: ECONNREFUSED`));
  });

  it('retries a 503 Unavailable (the runtime cannot save state now) with the same Idempotency-Key, then gives up with UnavailableError', async () => {
    const keys: Array<string | null> = [];
    let answers = [503, 200];
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      keys.push(new Headers(init.headers).get('idempotency-key'));
      const status = answers.shift() ?? 503;
      const body = status === 200 ? { result: 3 } : { error: { type: 'Unavailable', message: 'the state store could not commit (No space left on device)' } };
      return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const client = new StateflowClient(httpTransport({ url: 'http://runtime.test', fetch: fakeFetch }), { retry: { attempts: 3, initialDelayMs: 1 } });
    expect(await client.invoke({ entity: 'Item', key: 'coke' }, 'update_stock', [1], {}, { requestId: 'r-1' })).toBe(3);
    expect(keys).toEqual(['r-1', 'r-1']);
    answers = [];
    const err = await client.invoke({ entity: 'Item', key: 'coke' }, 'update_stock', [1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err).toMatchObject({ code: 'Unavailable', message: 'the state store could not commit (No space left on device)' });
    expect(keys).toHaveLength(5);
  });
});
