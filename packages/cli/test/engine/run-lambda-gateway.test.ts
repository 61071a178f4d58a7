import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../run-bin.js';

// Needs the Lambda emulator and the store (tools/engines/lambda/setup.sh); runs only when asked.
const ENGINE_TESTS = process.env['STATEFLOW_ENGINE_TESTS'] === '1';
if (!ENGINE_TESTS) console.log('lambda gateway engine test: skipped (set STATEFLOW_ENGINE_TESTS=1; needs tools/engines/lambda/setup.sh)');

const APP = `from stateflow import stateflow


@stateflow
class Account:
    def __init__(self, name: str, balance: int):
        self.name: str = name
        self.balance: int = balance

    def add(self, amount: int) -> int:
        self.balance += amount
        return self.balance

    def withdraw(self, amount: int) -> int:
        if amount > self.balance:
            raise ValueError(f"only {self.balance} left")
        self.balance -= amount
        return self.balance

    def __key__(self):
        return self.name
`;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => done(port));
    });
    server.on('error', fail);
  });
}

/** Process groups started by `pid` (the store and the emulators run in groups of their own). */
function childrenOf(pid: number): number[] {
  const ps = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return ps.stdout.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
}

function alive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe.skipIf(!ENGINE_TESTS)('stateflow run --target lambda: the HTTP API of stateflow serve', () => {
  it('serves create, call, state, errors, Idempotency-Key and the token, and Ctrl-C stops every process', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-lambda-gw-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'app.py'), APP);
    const [invokePort, storePort] = [await freePort(), await freePort()];
    const args = ['run', 'app.py', '--target', 'lambda', '--emulators', '1', '--set', `invokePort=${invokePort}`, '--set', `storePort=${storePort}`, '--port', '0', '--token', 'secret'];
    const cli = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    cli.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    cli.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((done) => cli.on('exit', (code) => done(code)));
    let children: number[] = [];
    try {
      const url = await new Promise<string>((done, fail) => {
        cli.stdout.on('data', () => {
          const m = / at (http:\/\/\S+)/.exec(stdout);
          if (m) done(m[1]!);
        });
        void exited.then((code) => fail(new Error(`stateflow run exited with ${code}:\n${stdout}${stderr}`)));
      });
      const runDir = /in (\S+)\n/.exec(stderr)?.[1];
      if (runDir) dirs.push(runDir);
      children = childrenOf(cli.pid!);
      expect(children.length).toBeGreaterThanOrEqual(2); // the store and an emulator

      const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
        const res = await fetch(`${url}${path}`, {
          method,
          headers: { authorization: 'Bearer secret', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: res.status, body: (await res.json()) as any };
      };

      expect(await call('POST', '/Account', { args: ['ann', 10] }, { authorization: 'Bearer wrong' })).toMatchObject({ status: 401 });
      expect(await call('POST', '/Account', { args: ['ann', 10] })).toEqual({ status: 201, body: { key: 'ann' } });
      expect(await call('POST', '/Account', { args: ['ann', 1] })).toMatchObject({ status: 409, body: { error: { type: 'EntityExists' } } });
      expect(await call('POST', '/Account/ann/add', { args: [5] })).toEqual({ status: 200, body: { result: 15 } });
      expect(await call('GET', '/Account/ann')).toEqual({ status: 200, body: { state: { name: 'ann', balance: 15 } } });
      expect(await call('POST', '/Account/ann/withdraw', { args: [100] })).toMatchObject({ status: 422, body: { error: { type: 'ValueError', message: 'only 15 left' } } });
      expect(await call('GET', '/Account/bob')).toMatchObject({ status: 404, body: { error: { type: 'EntityNotFound' } } });
      expect(await call('POST', '/Nobody', {})).toMatchObject({ status: 404, body: { error: { type: 'UnknownEntity' } } });

      // A retried call with the same Idempotency-Key gets the first outcome and runs once.
      const key = { 'idempotency-key': `gw-${Date.now()}` };
      expect(await call('POST', '/Account/ann/add', { args: [1] }, key)).toEqual({ status: 200, body: { result: 16 } });
      expect(await call('POST', '/Account/ann/add', { args: [1] }, key)).toEqual({ status: 200, body: { result: 16 } });
      expect(await call('GET', '/Account/ann')).toEqual({ status: 200, body: { state: { name: 'ann', balance: 16 } } });

      const health = await call('GET', '/health');
      expect(health).toMatchObject({ status: 200, body: { ready: true, engine: 'lambda (stateflow-app)', entities: ['Account'] } });
    } finally {
      cli.kill('SIGINT');
      const code = await exited;
      const left = children.filter(alive);
      left.forEach((pid) => process.kill(-pid, 'SIGKILL'));
      expect(stderr).toContain('SIGINT: stopping');
      expect(code).toBe(0);
      expect(left).toEqual([]);
    }
  });
});
