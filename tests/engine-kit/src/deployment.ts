import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** Where one deployment of a test lives: its own topic prefix and temporary folder. */
export interface DeploymentFolder {
  /** Topic prefix, unique per deployment (`t` and 8 hex digits). */
  prefix: string;
  /** `$TMPDIR/stateflow-<engine>-<prefix>-*`. */
  dir: string;
}

/** A fresh topic prefix and temporary folder for a deployment on `engine`. */
export function deploymentFolder(engine: string): DeploymentFolder {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  return { prefix, dir: mkdtempSync(join(tmpdir(), `stateflow-${engine}-${prefix}-`)) };
}

/** The last `lines` lines of a log file, for failure messages (`(no <file name>)` when there is none). */
export function tailLog(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${basename(file)})`;
  }
}

/** What {@link started} waits for: a process that resolves `running` once it runs, and can be stopped. */
export interface Starting {
  running: Promise<unknown>;
  stop(): Promise<unknown>;
}

/**
 * Resolves with `app` once it runs. If it fails to start, stops it, calls `forget`
 * (unregister its process groups) and rejects with the error and the end of its log.
 */
export async function started<T extends Starting>(app: T, { forget, log }: { forget: () => void; log: () => string }): Promise<T> {
  try {
    await app.running;
  } catch (err) {
    await app.stop();
    forget();
    throw new Error(`${(err as Error).message}\n${log()}`);
  }
  return app;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for a service the deployment starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
