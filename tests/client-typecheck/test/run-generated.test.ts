import { readFileSync } from 'node:fs';
import { httpTransport, inProcessTransport } from '@stateflow/client';
import { compile } from '@stateflow/frontend-python';
import { createPythonHost } from '@stateflow/python-host';
import { LocalRuntime } from '@stateflow/runtime-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateShopClient } from './support/generate.js';
import { SHOP_APP } from './support/paths.js';
import { startServe, type Served } from './support/serve.js';
import { runShopFlow, type ShopModule } from './support/shop-flow.js';

let mod: ShopModule;

beforeAll(async () => {
  const { path, stdout } = generateShopClient('shop-run.ts');
  expect(stdout).toMatch(/^wrote .*shop-run\.ts: typed client for 2 entities \(Item, User\)\n$/);
  mod = (await import(path)) as ShopModule;
});

describe('the generated shop client in-process (LocalRuntime on Pyodide)', () => {
  let runtime: LocalRuntime;

  beforeAll(async () => {
    const { program, diagnostics } = await compile(readFileSync(SHOP_APP, 'utf8'), { path: 'app.py' });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const host = await createPythonHost({ kind: 'pyodide' });
    runtime = await LocalRuntime.start(program!, { host, closeHostOnStop: true });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it('runs the shop flow', async () => {
    await runShopFlow(mod, inProcessTransport(runtime), 'inproc');
  });
});

describe('the generated shop client over HTTP (stateflow serve)', () => {
  let served: Served;

  beforeAll(async () => {
    // In memory: a durable default data dir would keep the instances of an earlier run.
    served = await startServe(['examples/shop/app.py', '--port', '0', '--in-memory']);
  });

  afterAll(async () => {
    if (served) expect(await served.stop()).toBe(0);
  });

  it('runs the shop flow', async () => {
    await runShopFlow(mod, httpTransport({ url: served.url }), 'http');
  });

  it('retries a call whose response was lost with the same Idempotency-Key, and it runs once', async () => {
    const keys: (string | null)[] = [];
    let dropped = false;
    // The request reaches the server and runs; the first response is lost on the way back.
    const lossy: typeof fetch = async (input, init) => {
      keys.push(new Headers(init?.headers).get('idempotency-key'));
      const response = await fetch(input, init);
      if (!dropped && String(input).endsWith('/update_stock')) {
        dropped = true;
        await response.text();
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      }
      return response;
    };
    const shop = mod.createShopClient(httpTransport({ url: served.url, fetch: lossy }));
    await shop.Item.create('sprite', 1);
    keys.length = 0;
    expect(await shop.item('sprite').update_stock(4)).toBe(true);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(await shop.client.getState('Item', 'sprite')).toMatchObject({ stock: 4 });
  });
});
