import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBin, spawnServe as startServe } from './run-bin.js';
import { hasStackTrace } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'stateflow-data-dir-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SHOP = 'examples/shop/app.py';
/** Standard error without the start-up progress lines of serve (serve-startup.ts), which come before any error. */
const withoutProgress = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => !/^(loading program|starting Python host|opening store|listening) /.test(line))
    .join('\n');
const serveArgs = (dataDir: string) => [SHOP, '--port', '0', '--host', '127.0.0.1', '--python-host', 'subprocess', '--workers', '1', '--data-dir', dataDir];

describe('stateflow serve --data-dir', () => {
  it('serves from a directory whose name has a dot (as mktemp -d makes), across a restart', async () => {
    const dataDir = join(tmp, 'tmp.Xy12', 'data.v1');
    const first = startServe(serveArgs(dataDir));
    const url = await first.ready;
    expect((await fetch(`${url}/Item`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"args":["coke",2]}' })).status).toBe(201);
    first.signal('SIGINT');
    expect(await first.exited).toBe(0);
    const second = startServe(serveArgs(dataDir));
    const url2 = await second.ready;
    expect(await (await fetch(`${url2}/Item/coke`)).json()).toEqual({ state: { item_name: 'coke', stock: 0, price: 2 } });
    second.signal('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('refuses a second server and state export on a data dir in use, naming the holder, without a stack trace', async () => {
    const dataDir = join(tmp, 'shared');
    const first = startServe(serveArgs(dataDir));
    const url = await first.ready;
    try {
      const second = startServe(serveArgs(dataDir));
      second.ready.catch(() => undefined); // it never gets ready
      expect(await second.exited).toBe(1);
      const { stderr } = second.output();
      expect(hasStackTrace(stderr)).toBe(false);
      const holder = new RegExp(`is in use by stateflow serve \\(pid \\d+, serving ${url.replace(/\./g, '\\.')}, since [^)]+\\); stop it first, or use another --data-dir`);
      expect(withoutProgress(stderr).trim()).toMatch(new RegExp(`^stateflow serve: the data directory ${dataDir} ${holder.source}$`));

      const exported = runBin(['state', 'export', SHOP, '--entity', 'Item', '--data-dir', dataDir, '--out', join(tmp, 'items.arrow')]);
      expect(exported.status).toBe(1);
      expect(hasStackTrace(exported.stderr)).toBe(false);
      expect(exported.stderr.trim()).toMatch(new RegExp(`^stateflow state export: the data directory ${dataDir} ${holder.source}$`));
      // The first server still answers.
      expect((await fetch(`${url}/Item`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"args":["a",1]}' })).status).toBe(201);
    } finally {
      first.signal('SIGINT');
      await first.exited;
    }
    // Once it has stopped, the directory is free.
    const after = runBin(['state', 'export', SHOP, '--entity', 'Item', '--data-dir', dataDir, '--out', join(tmp, 'items.arrow')]);
    expect(after.stderr).toBe('');
    expect(after.stdout).toMatch(/^exported 1 Item instance to /);
  });

  it('starts again after the server holding the data dir was killed with SIGKILL', async () => {
    const dataDir = join(tmp, 'killed');
    const first = startServe(serveArgs(dataDir));
    await first.ready;
    first.signal('SIGKILL');
    await first.exited;
    const second = startServe(serveArgs(dataDir));
    await second.ready;
    second.signal('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('says in one line that a data dir which is a file is not a directory', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const run = startServe(serveArgs(file));
    run.ready.catch(() => undefined);
    expect(await run.exited).toBe(1);
    const { stderr } = run.output();
    expect(withoutProgress(stderr)).toBe(`stateflow serve: the data directory ${file} (or a folder above it) is a file, not a directory; pass a directory to --data-dir\n`);
  });
});
