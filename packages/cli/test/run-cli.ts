import { resolve } from 'node:path';
import { runCli } from '../src/main.js';

/** The package directory and the repository root. */
export const PKG = resolve(import.meta.dirname, '..');
export const ROOT = resolve(PKG, '../..');

// The tests name files relative to the repository root, as a user in a checkout would.
// Each test file runs in its own worker process (vitest's default `forks` pool), so
// changing the directory here affects this file's tests only.
process.chdir(ROOT);

/** The outcome of one in-process run of the CLI. */
export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `stateflow <args>` in this process (through {@link runCli}, what the bin calls) and
 * collects its output; `options.cwd` is the directory it runs in (the repository root by default).
 */
export async function cli(args: string[], options: { cwd?: string } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  if (options.cwd) process.chdir(options.cwd);
  try {
    const status = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { status, stdout, stderr };
  } finally {
    process.chdir(ROOT);
  }
}

/** True when the output looks like a stack trace. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(text);
}

/** A long-running command (`serve`) started in process; `stop()` plays the part of Ctrl-C. */
export interface Started {
  /** Resolves with the URL once the command prints it; rejects if the command ends first. */
  ready: Promise<string>;
  /** Resolves with the exit status once the command ends. */
  exited: Promise<number>;
  output(): { stdout: string; stderr: string };
  /** Asks the command to stop as the given signal would, and waits for its exit status. */
  stop(signal?: string): Promise<number>;
}

/** Starts `stateflow serve <args>` in process. */
export function startServe(args: string[]): Started {
  let stdout = '';
  let stderr = '';
  let announce!: (url: string) => void;
  const ready = new Promise<string>((done) => (announce = done));
  let requestStop!: (signal: string) => void;
  const stopRequested = new Promise<string>((done) => (requestStop = done));
  const exited = runCli(
    ['serve', ...args],
    {
      stdout: (t) => {
        stdout += t;
        const m = /on (http:\/\/\S+)/.exec(stdout);
        if (m) announce(m[1]!);
      },
      stderr: (t) => (stderr += t),
    },
    { stop: () => stopRequested },
  );
  return {
    ready: Promise.race([ready, exited.then((code) => Promise.reject(new Error(`serve exited with ${code}: ${stdout}${stderr}`)))]),
    exited,
    output: () => ({ stdout, stderr }),
    stop(signal = 'SIGINT') {
      requestStop(signal);
      return exited;
    },
  };
}
