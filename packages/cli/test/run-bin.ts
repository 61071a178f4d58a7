import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { PKG, ROOT } from './run-cli.js';

/** The built bin; the few tests that need a real process (exit status, signals) run it. */
export const BIN = resolve(PKG, 'dist/bin.js');

/** Runs `node dist/bin.js <args>` from the repository root and waits for it. */
export function runBin(args: string[], cwd = ROOT): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Starts `node dist/bin.js serve <args>` and resolves `ready` with its URL once it is up. */
export function spawnServe(args: string[]) {
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
  return { pid: child.pid!, ready, exited, output: () => ({ stdout, stderr }), signal: (sig: NodeJS.Signals) => child.kill(sig) };
}
