import { afterEach, describe, expect, it } from 'vitest';
import { bindsLoopbackOnly } from '../src/commands/serve.js';
import { cli, hasStackTrace, startServe } from './run-cli.js';

const SHOP = 'examples/shop/app.py';
const savedToken = process.env['STATEFLOW_TOKEN'];
afterEach(() => {
  if (savedToken === undefined) delete process.env['STATEFLOW_TOKEN'];
  else process.env['STATEFLOW_TOKEN'] = savedToken;
});

/** Serves the shop until it has printed its URL and start-up lines, then stops it; resolves with its output. */
async function serveBriefly(args: string[]) {
  const server = startServe([SHOP, '--in-memory', '--python-host', 'subprocess', '--workers', '1', '--port', '0', ...args]);
  await server.ready;
  // The warning, if any, is logged right after the URL.
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await server.stop()).toBe(0);
  return server.output();
}

describe('stateflow serve: auth and browser settings', () => {
  it('refuses an empty --token instead of silently serving without auth', async () => {
    delete process.env['STATEFLOW_TOKEN'];
    for (const token of ['', '   ']) {
      const run = await cli(['serve', SHOP, '--token', token, '--in-memory']);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('--token is empty');
      expect(hasStackTrace(run.stderr)).toBe(false);
    }
  });

  it('refuses an empty STATEFLOW_TOKEN', async () => {
    process.env['STATEFLOW_TOKEN'] = '';
    const run = await cli(['serve', SHOP, '--in-memory']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('STATEFLOW_TOKEN is set but empty');
  });

  it('exits 2 for a malformed --cors-origin or --allowed-host', async () => {
    delete process.env['STATEFLOW_TOKEN'];
    const origin = await cli(['serve', SHOP, '--in-memory', '--cors-origin', 'localhost:5173']);
    expect(origin.status).toBe(2);
    expect(origin.stderr).toContain("--cors-origin 'localhost:5173' is not an origin");
    const host = await cli(['serve', SHOP, '--in-memory', '--allowed-host', 'https://api.example.com/']);
    expect(host.status).toBe(2);
    expect(host.stderr).toContain("--allowed-host 'https://api.example.com/' is not a host name");
  });

  it('warns at start-up when it listens beyond this machine without a token, and not otherwise', async () => {
    delete process.env['STATEFLOW_TOKEN'];
    expect((await serveBriefly(['--host', '0.0.0.0'])).stderr).toMatch(/^WARN serving on 0\.0\.0\.0 without a token: .*--token/m);
    expect((await serveBriefly([])).stderr).not.toContain('without a token');
    expect((await serveBriefly(['--host', '0.0.0.0', '--token', 'secret'])).stderr).not.toContain('without a token');
  });

  it('knows which bind addresses are loopback only', async () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(await bindsLoopbackOnly(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'no-such-host.invalid']) expect(await bindsLoopbackOnly(host), host).toBe(false);
  });
});
