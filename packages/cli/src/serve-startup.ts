import { createServer } from 'node:net';
import type { LogFields, Logger } from '@stateflow/runtime-local';
import { CliError } from './cli-error.js';
import { ExitCode } from './io.js';

/**
 * The steps `stateflow serve` reports while it starts, in order. Starting the Python
 * host takes from seconds to half a minute on Pyodide, so each step is a log line:
 * a silent terminal looks like a hang.
 */
export const STARTUP_STEPS = {
  loading: 'loading program',
  host: 'starting Python host',
  store: 'opening store',
  listening: 'listening',
} as const;

/** One step of the start of `serve`. */
export type StartupStep = keyof typeof STARTUP_STEPS;

/** Logs a start-up step (`loading program file=app.py`, or a JSON line with `--log-format json`). */
export function reportStartup(logger: Logger, step: StartupStep, fields: LogFields = {}): void {
  logger.log('info', STARTUP_STEPS[step], fields);
}

/**
 * Fails at once when `host:port` cannot be bound, before the slow start of the Python
 * host, rather than half a minute later. It binds a probe socket and closes it; a port
 * taken between the probe and the real bind is still reported by the server's own bind.
 * Port 0 (any free port) needs no check.
 */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ port, host, exclusive: true }, () => resolve());
    });
  } catch (err) {
    throw new CliError(`stateflow serve: cannot listen on ${host}:${port}: ${describeListenError(err, host, port)}`, ExitCode.Failed);
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** Why a bind failed, with how to fix it. */
export function describeListenError(err: unknown, host: string, port: number): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use; pick another with --port (0 picks a free one)`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `address ${host} is not available on this machine; try --host 127.0.0.1`;
    case 'EACCES':
      return `no permission to use port ${port} (ports below 1024 need privileges); pick another with --port`;
    default:
      return (err as Error).message;
  }
}
