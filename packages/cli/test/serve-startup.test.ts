import { createServer, type Server } from 'node:net';
import { createLogger } from '@stateflow/runtime-local';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../src/cli-error.js';
import { checkPortFree, describeListenError, reportStartup } from '../src/serve-startup.js';
import { cli, hasStackTrace, startServe } from './run-cli.js';

const SHOP = 'examples/shop/app.py';
const blockers: Server[] = [];

/** Listens on a free loopback port, as another program would, and returns the port. */
async function takePort(): Promise<number> {
  const blocker = createServer();
  blockers.push(blocker);
  await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
  return (blocker.address() as { port: number }).port;
}

afterEach(async () => {
  await Promise.all(blockers.splice(0).map((b) => new Promise((done) => b.close(done))));
});

describe('checkPortFree', () => {
  it('rejects a port in use with a CliError (exit status 1) that says how to fix it', async () => {
    const port = await takePort();
    const error = await checkPortFree('127.0.0.1', port).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(1);
    expect((error as CliError).message).toBe(
      `stateflow serve: cannot listen on 127.0.0.1:${port}: port ${port} is already in use; pick another with --port (0 picks a free one)`,
    );
  });

  it('leaves a free port free for the server that binds it next', async () => {
    const port = await takePort();
    await new Promise((done) => blockers.pop()!.close(done));
    await checkPortFree('127.0.0.1', port);
    const server = createServer();
    blockers.push(server);
    await new Promise<void>((done, fail) => server.once('error', fail).listen(port, '127.0.0.1', done));
  });

  it('checks nothing for port 0 (any free port)', async () => {
    await expect(checkPortFree('127.0.0.1', 0)).resolves.toBeUndefined();
  });

  it('names an address this machine does not have', async () => {
    const error = await checkPortFree('192.0.2.1', 8080).catch((err: unknown) => err);
    expect((error as CliError).message).toContain('address 192.0.2.1 is not available on this machine; try --host 127.0.0.1');
  });

  it('explains a privileged port', () => {
    expect(describeListenError(Object.assign(new Error('x'), { code: 'EACCES' }), '0.0.0.0', 80)).toBe(
      'no permission to use port 80 (ports below 1024 need privileges); pick another with --port',
    );
  });
});

describe('reportStartup', () => {
  it('writes one readable line per step, or one JSON object with --log-format json', () => {
    const lines: string[] = [];
    const pretty = createLogger({ format: 'pretty', write: (l) => lines.push(l) });
    reportStartup(pretty, 'host', { kind: 'pyodide', workers: 2 });
    const json = createLogger({ format: 'json', write: (l) => lines.push(l), now: () => new Date(0) });
    reportStartup(json, 'listening', { url: 'http://127.0.0.1:8080' });
    expect(lines).toEqual([
      'starting Python host kind=pyodide workers=2\n',
      '{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"listening","url":"http://127.0.0.1:8080"}\n',
    ]);
  });
});

describe('stateflow serve start-up', () => {
  it('reports a busy port at once, before loading the program or starting Python', async () => {
    const port = await takePort();
    const started = performance.now();
    // The default host is Pyodide, whose start takes 10-30 s: an answer well before proves it never started.
    const run = await cli(['serve', SHOP, '--port', String(port), '--in-memory']);
    const seconds = (performance.now() - started) / 1000;
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `stateflow serve: cannot listen on 127.0.0.1:${port}: port ${port} is already in use; pick another with --port (0 picks a free one)\n`,
    );
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(seconds).toBeLessThan(8);
  });

  it('logs each step of its start in order, then the URL', async () => {
    const server = startServe([SHOP, '--port', '0', '--python-host', 'subprocess', '--workers', '1', '--in-memory']);
    const url = await server.ready;
    expect(await server.stop()).toBe(0);
    const steps = server
      .output()
      .stderr.split('\n')
      .filter((line) => /^(loading program|starting Python host|opening store|listening) /.test(line));
    expect(steps).toEqual([
      `loading program file=${SHOP}`,
      'starting Python host kind=subprocess workers=1',
      'opening store state="in memory"',
      `listening url=${url}`,
    ]);
  });
});
