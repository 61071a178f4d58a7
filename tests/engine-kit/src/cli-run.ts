// `stateflow run` as a user starts it (the CLI's own bin, from the repository's root), for
// the engine suites' cli-run tests: each test keeps its own assertions, this starts the
// command, waits for it to say it runs, and stops it as Ctrl-C would.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { PidRegistry } from '@stateflow/engine-harness';
import { REPO_ROOT } from './programs.js';

/** The CLI's entry point (`packages/cli/dist/bin.js`; the suites build it first). */
export const CLI_BIN = join(REPO_ROOT, 'packages/cli/dist/bin.js');

/** Options of {@link startStateflowRun}. */
export interface StateflowRunOptions {
  /**
   * The suite's registry: the command gets its own process group recorded there, so if the
   * run is interrupted, the reaper's SIGTERM makes `stateflow run` stop its engine as
   * Ctrl-C would. Without one the command stays in the runner's process group.
   */
  registry?: PidRegistry;
  /** How long to wait for `StateFlow running`. @default 120_000 */
  readyTimeoutMs?: number;
}

/** A `stateflow run` that has started (or given up: see {@link running}). */
export interface StateflowRun {
  /** Everything it wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Whether it printed `StateFlow running` before the timeout (false: it exited or timed out). */
  readonly running: boolean;
  /** The HTTP API's address from its `StateFlow running … at <url>` line, if it printed one. */
  readonly url: string | undefined;
  /** Sends SIGINT (Ctrl-C), waits for the exit and gives its code. */
  stop(): Promise<number | null>;
}

/** Starts `stateflow run <args>` in the repository's root and waits until it says it runs. */
export async function startStateflowRun(args: string[], options: StateflowRunOptions = {}): Promise<StateflowRun> {
  const { registry } = options;
  const child = spawn(process.execPath, [CLI_BIN, 'run', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: registry !== undefined });
  if (registry) registry.register(child.pid!, `stateflow run ${args[0] ?? ''}`);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  while (!stdout.includes('StateFlow running') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  const running = stdout.includes('StateFlow running');
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    running,
    url: /StateFlow running .* at (http:\/\/\S+)/.exec(stdout)?.[1],
    async stop() {
      child.kill('SIGINT');
      const code = await exited;
      registry?.unregister(child.pid!);
      return code;
    },
  };
}
