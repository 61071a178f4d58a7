import { connect, createServer } from 'node:net';
import type { ProcessGroup } from './process-group.js';

/** Whether something accepts TCP connections on `host`:`port`. */
export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits until `probe()` holds, checking every `everyMs`. Fails, naming `what` and `logFile`,
 * when the group's program exits first or after `timeoutMs`.
 */
export async function waitUntilReady(
  probe: () => Promise<boolean>,
  group: Pick<ProcessGroup, 'running'>,
  options: { timeoutMs: number; what: string; logFile: string; everyMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (!group.running()) throw new Error(`${options.what} exited during start-up (log: ${options.logFile})`);
    if (Date.now() > deadline) throw new Error(`${options.what} was not ready within ${options.timeoutMs >= 1000 ? `${Math.round(options.timeoutMs / 1000)} s` : `${options.timeoutMs} ms`} (log: ${options.logFile})`);
    await new Promise((r) => setTimeout(r, options.everyMs ?? 100));
  }
}
