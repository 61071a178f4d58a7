import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, mkdirSync, openSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname } from 'node:path';

/** Options of {@link startProcessGroup}. */
export interface ProcessGroupOptions {
  /** Working directory of the program. */
  cwd?: string;
  /** Its environment. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The file its standard output and standard error are appended to (its folder is made). */
  logFile: string;
  /**
   * Which output is also split into lines for {@link ProcessGroup.onLine}: `all`, `stdout`
   * only (standard error then goes to the log file directly, never through Node: engines log
   * a lot there, and their protocol lines are on standard output), or `none` (both streams go
   * to the file directly).
   * @default 'all'
   */
  lines?: 'all' | 'stdout' | 'none';
}

/**
 * A program started in a process group of its own, so that the processes it starts (a JVM,
 * Python workers, emulators) stop with it.
 */
export interface ProcessGroup {
  readonly child: ChildProcess;
  /** The program's process id, also the group's id. */
  readonly pid: number;
  /**
   * Resolves with the program's exit status once it has exited: its code, or 128 + the
   * signal's number when a signal ended it (as shells report it: SIGKILL gives 137); 127
   * when it could not be started.
   */
  readonly exited: Promise<number>;
  /**
   * Resolves with the exit status once the program has exited and its output has been read
   * (`exited` may come first), or 1 s after its exit when a process it left behind holds the
   * output open.
   */
  readonly drained: Promise<number>;
  /** Whether the program itself has not exited yet. */
  running(): boolean;
  /** Whether any process of the group is left (the program's children may outlive it). */
  groupAlive(): boolean;
  /** Calls `listener` with each line of output, as it comes. */
  onLine(listener: (line: string) => void): void;
  /** The last lines of output (at most 200), for error messages. */
  recentLines(): readonly string[];
  /** Sends `signal` to every process of the group. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves `true` once no process of the group is left, `false` after `ms`. */
  waitGone(ms: number): Promise<boolean>;
  /**
   * SIGTERM to the group, SIGKILL to what is left after `graceMs`; resolves with the
   * program's exit status once the group is gone (or 5 s after the SIGKILL).
   */
  terminate(graceMs?: number): Promise<number>;
  /** SIGKILL to the whole group at once (a crash, for fault tests). */
  kill(): void;
}

const RECENT_LINES = 200;

/** Starts `command args` detached, in a process group of its own, its output appended to `logFile`. */
export function startProcessGroup(command: string, args: readonly string[], options: ProcessGroupOptions): ProcessGroup {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const lines = options.lines ?? 'all';
  const fileFd = lines === 'all' ? undefined : openSync(options.logFile, 'a');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', lines === 'none' ? fileFd! : 'pipe', fileFd ?? 'pipe'],
  });
  if (fileFd !== undefined) closeSync(fileFd);
  // Opened now, so a log file that cannot be written fails the start, not the process later.
  const log = createWriteStream('', { fd: openSync(options.logFile, 'a') });
  log.on('error', () => undefined); // a full disk must not end the program's owner
  const listeners: ((line: string) => void)[] = [];
  const recent: string[] = [];
  let buffer = '';
  const onData = (chunk: Buffer) => {
    // Output may still arrive after 'exit' (a child of the program holding the pipe).
    if (!log.writableEnded) log.write(chunk);
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      recent.push(line);
      if (recent.length > RECENT_LINES) recent.shift();
      for (const listener of listeners) listener(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let running = true;
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => {
      running = false;
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      running = false;
      resolve(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1));
    });
    child.on('close', () => log.end());
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const drained = exited.then((status) => Promise.race([closed, new Promise((r) => setTimeout(r, 1000).unref())]).then(() => status));
  const pid = child.pid ?? -1;
  const signal = (name: NodeJS.Signals) => {
    if (pid <= 0) return;
    try {
      process.kill(-pid, name);
    } catch {
      /* already gone */
    }
  };
  const groupAlive = (): boolean => {
    if (pid <= 0) return false;
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const waitGone = async (ms: number): Promise<boolean> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (!groupAlive()) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return !groupAlive();
  };
  return {
    child,
    pid,
    exited,
    drained,
    running: () => running,
    groupAlive,
    onLine: (listener) => void listeners.push(listener),
    recentLines: () => recent,
    signal,
    waitGone,
    async terminate(graceMs = 5000) {
      signal('SIGTERM');
      if (!(await waitGone(graceMs))) {
        signal('SIGKILL');
        await waitGone(5000);
      }
      return exited;
    },
    kill: () => signal('SIGKILL'),
  };
}

/**
 * Resolves when the group's program prints a line that `matches`; rejects with
 * `failure(status, recentLines)` when the program exits first. The promise never counts as
 * unhandled: a caller that never waits for it does not crash the process.
 */
export function lineBeforeExit(group: ProcessGroup, matches: (line: string) => boolean, failure: (status: number, lines: readonly string[]) => Error): Promise<void> {
  const seen = new Promise<void>((resolve, reject) => {
    group.onLine((line) => {
      if (matches(line)) resolve();
    });
    void group.drained.then((status) => reject(failure(status, group.recentLines())));
  });
  seen.catch(() => undefined);
  return seen;
}
