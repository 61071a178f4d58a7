// Types of harness.mjs, for the TypeScript suites that import it (see README.md, "The harness").

/** This folder (the engine scripts). */
export const ENGINES_DIR: string;
/** `${STATEFLOW_CACHE:-~/.cache/stateflow}`. */
export function cacheDir(env?: NodeJS.ProcessEnv): string;
/** Runs a script of this folder; resolves with its stdout. */
export function runScript(script: string, args?: string[], options?: { timeoutMs?: number }): Promise<string>;
/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean>;
/** True while any process of the process group is alive. */
export function groupAlive(pgid: number): boolean;
/** SIGTERM, then SIGKILL after `graceMs`; resolves true once the group is gone. */
export function stopGroup(pgid: number, options?: { graceMs?: number }): Promise<boolean>;

/** The process groups a suite started (`<cache>/run/pids/<suite>/<pgid>`). */
export interface PidRegistry {
  readonly dir: string;
  register(pgid: number, what: string): void;
  unregister(pgid: number): void;
  alive(): number[];
  reap(log?: (message: string) => void, options?: { except?: number[] }): Promise<number>;
}
export function pidRegistry(suite: string, env?: NodeJS.ProcessEnv): PidRegistry;

/** Options of {@link startProcess}. */
export interface StartProcessOptions {
  name: string;
  command: string;
  args?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  ready: () => Promise<boolean>;
  timeoutMs?: number;
  registry?: PidRegistry;
}
export function startProcess(options: StartProcessOptions): Promise<{ pid: number; stop(): Promise<boolean> }>;

/** Runs `cleanup` on SIGINT/SIGTERM, then exits; returns the function removing the handlers. */
export function onInterrupt(cleanup: () => Promise<unknown>): () => void;
