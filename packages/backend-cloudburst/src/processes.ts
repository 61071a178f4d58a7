import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';

/** A child in its own process group, output appended to a log file. */
export interface GroupProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit status once the process has exited. */
  readonly exited: Promise<number>;
  /** Whether it is still running. */
  alive(): boolean;
  /** SIGTERM to the group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number>;
  /** SIGKILL to the group (a crash, for fault tests). */
  kill(): void;
}

/** Starts `command args` detached, logging to `logFile`. */
export function startGroup(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string }): GroupProcess {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  let running = true;
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => {
      running = false;
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      running = false;
      resolve(code ?? (signal ? 128 : 1));
    });
    child.on('close', () => log.end());
  });
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      /* gone */
    }
  };
  return {
    child,
    pid: child.pid ?? -1,
    exited,
    alive: () => running,
    async stop(graceMs = 5000) {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      const status = await exited;
      clearTimeout(timer);
      signal('SIGKILL');
      return status;
    },
    kill: () => signal('SIGKILL'),
  };
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Waits until `probe()` holds; fails when `proc` exits or after `timeoutMs`. */
export async function waitUntil(probe: () => Promise<boolean>, proc: GroupProcess, timeoutMs: number, what: string, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (!proc.alive()) throw new Error(`${what} exited during start-up (log: ${logFile})`);
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${Math.round(timeoutMs / 1000)}s (log: ${logFile})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
