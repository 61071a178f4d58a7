import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** A child process in its own process group (so its children stop with it), output to a log file. */
export interface GroupProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit status when the process has exited. */
  readonly exited: Promise<number>;
  /** Lines of output (stdout and stderr), as they come. */
  onLine(listener: (line: string) => void): void;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<number>;
  /** SIGKILL to the whole group at once (a crash, for fault tests). */
  kill(): void;
}

/** Starts `command args` detached (its own process group), logging to `logFile`. */
export function startGroup(command: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv; logFile: string }): GroupProcess {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const listeners: ((line: string) => void)[] = [];
  let buffer = '';
  const onData = (chunk: Buffer) => {
    // Output may still arrive after 'exit' (a child of the process holding the pipe).
    if (!log.writableEnded) log.write(chunk);
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      for (const listener of listeners) listener(line);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on('close', () => log.end());
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      /* already gone */
    }
  };
  return {
    child,
    pid: child.pid ?? -1,
    exited,
    onLine: (listener) => listeners.push(listener),
    async stop(graceMs = 5000) {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      const status = await exited;
      clearTimeout(timer);
      // The emulator's runtime client may outlive it for a moment: end the rest of the group.
      signalGroup('SIGKILL');
      return status;
    },
    kill: () => signalGroup('SIGKILL'),
  };
}

/** Resolves when something accepts connections on 127.0.0.1:`port`, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, alive: () => boolean, what: string): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (!alive()) throw new Error(`${what} exited during start-up`);
    if (Date.now() > deadline) throw new Error(`${what} did not open 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
