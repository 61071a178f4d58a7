import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bindsLoopbackOnly } from '../src/commands/serve.js';
import { BIN, hasStackTrace, ROOT } from './run-bin.js';

/** Runs `serve` with an environment, collecting output; `stopWhenServing` sends SIGINT once it prints its URL. */
function runServe(args: string[], env: Record<string, string | undefined>, stopWhenServing = false) {
  const environment = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete environment[name];
  const child = spawn(process.execPath, [BIN, 'serve', 'examples/shop/app.py', ...args], { cwd: ROOT, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let stopping = false;
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    const url = /on (http:\/\/\S+)/.exec(stdout)?.[1];
    if (stopWhenServing && url && !stopping) {
      stopping = true;
      // The warning, if any, is logged right after the URL; give it a moment.
      setTimeout(() => child.kill('SIGINT'), 300);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((done) =>
    child.on('exit', (status) => done({ status, stdout, stderr })),
  );
}

const NO_ENV_TOKEN = { STATEFLOW_TOKEN: undefined };

describe('stateflow serve: auth and browser settings', () => {
  it('refuses an empty --token instead of silently serving without auth', async () => {
    for (const token of ['', '   ']) {
      const run = await runServe(['--token', token, '--in-memory'], NO_ENV_TOKEN);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('--token is empty');
      expect(hasStackTrace(run.stderr)).toBe(false);
    }
  });

  it('refuses an empty STATEFLOW_TOKEN', async () => {
    const run = await runServe(['--in-memory'], { STATEFLOW_TOKEN: '' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('STATEFLOW_TOKEN is set but empty');
  });

  it('exits 2 for a malformed --cors-origin or --allowed-host', async () => {
    const origin = await runServe(['--in-memory', '--cors-origin', 'localhost:5173'], NO_ENV_TOKEN);
    expect(origin.status).toBe(2);
    expect(origin.stderr).toContain("--cors-origin 'localhost:5173' is not an origin");
    const host = await runServe(['--in-memory', '--allowed-host', 'https://api.example.com/'], NO_ENV_TOKEN);
    expect(host.status).toBe(2);
    expect(host.stderr).toContain("--allowed-host 'https://api.example.com/' is not a host name");
  });

  it('warns at start-up when it listens beyond this machine without a token, and not otherwise', async () => {
    const open = await runServe(['--in-memory', '--python-host', 'subprocess', '--workers', '1', '--port', '0', '--host', '0.0.0.0'], NO_ENV_TOKEN, true);
    expect(open.status).toBe(0);
    expect(open.stderr).toMatch(/^WARN serving on 0\.0\.0\.0 without a token: .*--token/m);
    const local = await runServe(['--in-memory', '--python-host', 'subprocess', '--workers', '1', '--port', '0'], NO_ENV_TOKEN, true);
    expect(local.status).toBe(0);
    expect(local.stderr).not.toContain('without a token');
  });

  it('knows which bind addresses are loopback only', async () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(await bindsLoopbackOnly(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'no-such-host.invalid']) expect(await bindsLoopbackOnly(host), host).toBe(false);
  });
});
