import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, ROOT } from './paths.js';

/** A running `stateflow serve` process. */
export interface Served {
  url: string;
  stderr(): string;
  /** Sends SIGINT and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Spawns `stateflow serve <args>` (the built bin) and resolves once it prints its URL. */
export function startServe(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (): void => {
      const match = /on (http:\/\/\S+)/.exec(out);
      if (!match) return;
      child.stdout!.off('data', onData);
      resolve({ url: match[1]!, stderr: () => err, stop: () => stopChild(child, exited) });
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`stateflow serve exited with ${code} before serving:\n${out}\n${err}`)));
  });
}

function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  if (child.exitCode === null) child.kill('SIGINT');
  return exited;
}
