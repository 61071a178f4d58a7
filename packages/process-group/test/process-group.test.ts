import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, lineBeforeExit, portOpen, startProcessGroup, stopWithFile, waitUntilReady, type ProcessGroup } from '../src/index.js';

const dirs: string[] = [];
const groups: ProcessGroup[] = [];
afterEach(() => {
  for (const g of groups.splice(0)) g.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const folder = () => {
  const d = mkdtempSync(join(tmpdir(), 'sf-process-group-'));
  dirs.push(d);
  return d;
};
/** `sh -c script` in its own group, logging to <folder>/out/log.txt. */
const sh = (script: string, lines?: 'all' | 'stdout') => {
  const logFile = join(folder(), 'out', 'log.txt');
  const g = startProcessGroup('sh', ['-c', script], { logFile, lines });
  groups.push(g);
  return { g, logFile };
};

describe('startProcessGroup', () => {
  it('logs both streams, reports lines and the exit status', async () => {
    const { g, logFile } = sh('echo one; echo two >&2; exit 3');
    const seen: string[] = [];
    g.onLine((l) => seen.push(l));
    expect(await g.exited).toBe(3);
    expect(g.running()).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.sort()).toEqual(['one', 'two']);
    expect([...g.recentLines()].sort()).toEqual(['one', 'two']);
    expect(readFileSync(logFile, 'utf8')).toMatch(/one/);
    expect(readFileSync(logFile, 'utf8')).toMatch(/two/);
  });

  it("with lines 'stdout', standard error goes to the log only", async () => {
    const { g, logFile } = sh('echo out; echo err >&2', 'stdout');
    const seen: string[] = [];
    g.onLine((l) => seen.push(l));
    expect(await g.exited).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['out']);
    expect(readFileSync(logFile, 'utf8')).toContain('err');
  });

  it('terminate ends processes the program left behind', async () => {
    const { g } = sh('sleep 30 & echo started; wait');
    await lineBeforeExit(g, (l) => l === 'started', () => new Error('exited'));
    expect(g.groupAlive()).toBe(true);
    expect(await g.terminate(2000)).toBe(143);
    expect(g.groupAlive()).toBe(false);
  });

  it('kill is a SIGKILL to the group: status 137', async () => {
    const { g } = sh('sleep 30');
    g.kill();
    expect(await g.exited).toBe(137);
  });

  it('a program that cannot start exits with 127', async () => {
    const g = startProcessGroup(join(folder(), 'no-such-program'), [], { logFile: join(folder(), 'log.txt') });
    expect(await g.exited).toBe(127);
  });
});

describe('lineBeforeExit', () => {
  it('rejects with the failure built from the last lines when the program exits first', async () => {
    const { g } = sh('echo JOB_ERROR bad config; exit 2');
    const ready = lineBeforeExit(g, (l) => l.startsWith('JOB_RUNNING'), (status, lines) => new Error(`status ${status}: ${lines.join(' ')}`));
    await expect(ready).rejects.toThrow('status 2: JOB_ERROR bad config');
  });
});

describe('stopWithFile', () => {
  it('creates the stop file, waits for a clean exit and removes the file', async () => {
    const stopFile = join(folder(), 'stop');
    const { g } = sh(`while [ ! -e ${stopFile} ]; do sleep 0.05; done; echo stopping; exit 0`);
    expect(await stopWithFile(g, stopFile, 10_000)).toBe(0);
    expect(existsSync(stopFile)).toBe(false);
  });

  it('terminates a program that ignores the file after the wait', async () => {
    const stopFile = join(folder(), 'stop');
    const { g } = sh('sleep 30');
    expect(await stopWithFile(g, stopFile, 200)).toBe(143);
    expect(g.groupAlive()).toBe(false);
  });
});

describe('ports', () => {
  it('portOpen, freePort and waitUntilReady see a listening server', async () => {
    const port = await freePort();
    expect(await portOpen(port)).toBe(false);
    const server = createServer().listen(port, '127.0.0.1');
    try {
      await waitUntilReady(() => portOpen(port), { running: () => true }, { timeoutMs: 5000, what: 'server', logFile: 'log' });
      expect(await portOpen(port)).toBe(true);
    } finally {
      server.close();
    }
  });

  it('waitUntilReady fails at once when the program has exited, naming its log', async () => {
    await expect(waitUntilReady(async () => false, { running: () => false }, { timeoutMs: 5000, what: 'the store', logFile: '/x/store.log' })).rejects.toThrow(
      'the store exited during start-up (log: /x/store.log)',
    );
  });

  it('waitUntilReady fails after the time limit', async () => {
    await expect(waitUntilReady(async () => false, { running: () => true }, { timeoutMs: 200, what: 'the store', logFile: 'l' })).rejects.toThrow('the store was not ready within 200 ms (log: l)');
  });
});
