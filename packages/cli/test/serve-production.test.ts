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

  it('answers a transfer from the callee by default, and from the caller with --no-resume-detached', async () => {
    const app = join(tmp, 'accounts.py');
    copyFileSync(join(ROOT, 'tests/e2e/apps/bank.py'), app);
    const post = (url: string, body: unknown) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    /** Creates two accounts, moves 30 from ann to bob: the answer, the states and the detached-answer count. */
    const transfer = async (flags: string[]) => {
      const server = await serve([app, '--port', '0', '--python-host', 'subprocess', '--workers', '1', '--in-memory', ...flags]);
      const url = await server.ready;
      for (const [name, balance] of [['ann', 100], ['bob', 0]] as const) expect((await post(`${url}/Account`, { args: [name, balance] })).status).toBe(201);
      const answer = await (await post(`${url}/Account/ann/transfer`, { args: [{ $entity: 'Account', $key: 'bob' }, 30, 't1'] })).json();
      const states = [await (await fetch(`${url}/Account/ann`)).json(), await (await fetch(`${url}/Account/bob`)).json()];
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(await server.stop()).toBe(0);
      return { answer, states, detached: Number(/^stateflow_detached_responses_total (\d+)$/m.exec(metrics)?.[1]) };
    };
    const on = await transfer([]);
    const off = await transfer(['--no-resume-detached']);
    expect(on.answer).toEqual({ result: true });
    expect(on.states).toEqual([
      { state: { name: 'ann', balance: 70, debits: ['t1>bob'], credits: [] } },
      { state: { name: 'bob', balance: 30, debits: [], credits: ['t1'] } },
    ]);
    expect(off.answer).toEqual(on.answer);
    expect(off.states).toEqual(on.states);
    expect(on.detached).toBe(1);
    expect(off.detached).toBe(0);
  });

  it('documents --no-resume-detached in its help', async () => {
    const run = await cli(['serve', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^ {2}--no-resume-detached {2}answer every call from the caller's own instance/m);
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
