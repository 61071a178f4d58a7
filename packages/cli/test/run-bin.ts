import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The package directory and the repository root. */
export const PKG = resolve(import.meta.dirname, '..');
export const ROOT = resolve(PKG, '../..');
export const BIN = resolve(PKG, 'dist/bin.js');

/** The outcome of one run of the built bin. */
export interface BinRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/bin.js <args>` from the repository root and waits for it. */
export function runBin(args: string[], cwd = ROOT): BinRun {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Fails the test if the output looks like a stack trace. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(text);
}

/** Starts `serve` and resolves with its URL once it is up. */
export function startServe(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const ready = new Promise<string>((done, fail) => {
    child.stdout.on('data', () => {
      const m = /on (http:\/\/\S+)/.exec(stdout);
      if (m) done(m[1]!);
    });
    void exited.then((code) => fail(new Error(`serve exited with ${code}: ${stdout}${stderr}`)));
  });
  return {
    pid: child.pid!,
    ready,
    exited,
    output: () => ({ stdout, stderr }),
    signal: (sig: NodeJS.Signals) => child.kill(sig),
  };
}
