import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { httpTransport, StateflowClient, TransportError } from '../../src/index.js';

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
});
