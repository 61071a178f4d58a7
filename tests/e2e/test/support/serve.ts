import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, ROOT } from './paths.js';

/** A running `stateflow serve` process. */
export interface Served {
  url: string;
  /** Everything the process printed so far. */
  stdout(): string;
  stderr(): string;
  /** Sends SIGINT and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Sends SIGKILL (a crash) and resolves once the process is gone. */
  kill(): Promise<void>;
}

/**
 * Spawns `node packages/cli/dist/bin.js serve <args>` and resolves once it prints its URL.
 * State is in memory unless the arguments name a `--data-dir`; relative paths are from `cwd`.
 */
export function startServe(args: string[], cwd = ROOT): Promise<Served> {
  const all = args.includes('--data-dir') || args.includes('--in-memory') ? args : [...args, '--in-memory'];
  const child = spawn(process.execPath, [BIN, 'serve', ...all], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /on (http:\/\/\S+)/.exec(out);
      if (!match) return;
      child.stdout!.off('data', onData);
      resolve({
        url: match[1]!,
        stdout: () => out,
        stderr: () => err,
        stop: () => stopChild(child, exited),
        kill: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`stateflow serve exited with ${code} before serving:\n${out}\n${err}`)));
  });
}

function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  if (child.exitCode === null) child.kill('SIGINT');
  return exited;
}
