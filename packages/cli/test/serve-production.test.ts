import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, ROOT, startServe } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'stateflow-serve-'));

/** Starts `serve` in process with extra environment variables (set only while it starts). */
async function serve(args: string[], env: Record<string, string> = {}) {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const server = startServe(args);
  try {
    await server.ready;
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { ready: server.ready, stop: () => server.stop(), stderr: () => server.output().stderr };
}

describe('stateflow serve in production settings', () => {
  it('keeps state in .stateflow-data/<app> next to the app by default, across restarts', async () => {
    const app = join(tmp, 'shop.py');
    copyFileSync(join(ROOT, 'examples/shop/app.py'), app);
    const first = await serve([app, '--port', '0', '--python-host', 'subprocess', '--workers', '1']);
    const url = await first.ready;
    expect((await fetch(`${url}/Item`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"args":["coke",2]}' })).status).toBe(201);
    expect(await first.stop()).toBe(0);
    expect(existsSync(join(tmp, '.stateflow-data', 'shop'))).toBe(true);
    const second = await serve([app, '--port', '0', '--python-host', 'subprocess', '--workers', '1']);
    const url2 = await second.ready;
    expect(await (await fetch(`${url2}/Item/coke`)).json()).toEqual({ state: { item_name: 'coke', stock: 0, price: 2 } });
    expect(await second.stop()).toBe(0);
  });

  it('requires STATEFLOW_TOKEN as a bearer token and logs JSON lines', async () => {
    const server = await serve(['examples/shop/app.py', '--port', '0', '--python-host', 'subprocess', '--in-memory', '--log-format', 'json'], {
      STATEFLOW_TOKEN: 'tok',
    });
    const url = await server.ready;
    expect((await fetch(`${url}/Item`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"args":["a",1]}' })).status).toBe(401);
    const ok = await fetch(`${url}/Item`, { method: 'POST', body: '{"args":["a",1]}', headers: { authorization: 'Bearer tok', 'content-type': 'application/json' } });
    expect(ok.status).toBe(201);
    expect(await server.stop()).toBe(0);
    const lines = server.stderr().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', msg: 'serving', auth: 'token', state: 'in memory' }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', method: 'POST', path: '/Item', status: 401, errorType: 'Unauthorized' }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', route: 'create', status: 201 }));
    for (const line of lines) expect(typeof line['time']).toBe('string');
  });

  it('stops a runaway method with the time limit and keeps serving', async () => {
    const app = join(tmp, 'spin.py');
    writeFileSync(
      app,
      [
        'from stateflow import stateflow',
        '@stateflow',
        'class Spin:',
        '    def __init__(self, k: str):',
        '        self.k: str = k',
        '        self.n: int = 0',
        '    def forever(self) -> int:',
        '        self.n += 1',
        '        while True:',
        '            pass',
        '    def bump(self) -> int:',
        '        self.n += 1',
        '        return self.n',
        '    def __key__(self):',
        '        return self.k',
        '',
      ].join('\n'),
    );
    const server = await serve([app, '--port', '0', '--python-host', 'subprocess', '--in-memory', '--timeout-ms', '300']);
    const url = await server.ready;
    await fetch(`${url}/Spin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"args":["a"]}' });
    const spun = await fetch(`${url}/Spin/a/forever`, { method: 'POST' });
    expect(spun.status).toBe(422);
    expect((await spun.json()).error.type).toBe('TimeoutError');
    expect(await (await fetch(`${url}/Spin/a/bump`, { method: 'POST' })).json()).toEqual({ result: 1 });
    expect(await server.stop()).toBe(0);
  });

  it('exits 2 for bad production flags', async () => {
    for (const [args, message] of [
      [['--workers', '0'], /--workers must be a whole number of at least 1/],
      [['--log-format', 'xml'], /--log-format must be one of pretty, json/],
      [['--log-level', 'loud'], /--log-level must be one of/],
      [['--in-memory', '--data-dir', tmp], /exclude each other/],
      [['--max-body-bytes', '1k'], /--max-body-bytes must be/],
    ] as const) {
      const run = await cli(['serve', 'examples/shop/app.py', ...args]);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });
});
