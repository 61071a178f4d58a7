import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cacheDir, pidRegistry } from '@stateflow/engine-harness';
import { ROOT } from './paths.js';

/** The broker this suite starts, so that one a killed run left is stopped by the next run. */
const registry = pidRegistry('client-typecheck');

const START = resolve(ROOT, 'tools/engines/kafka/start.sh');
const STOP = resolve(ROOT, 'tools/engines/kafka/stop.sh');

/** A broker for the test, or why there is none. */
export type Broker = { bootstrap: string; stop(): void } | { skip: string };

/**
 * Starts a single-node Kafka with tools/engines/kafka/start.sh on `port` (its own
 * data folder, deleted afterwards). Returns a skip reason when the script is missing
 * or the broker cannot start (no Java, no cached jars and no Maven repository);
 * under CI=true a broker that cannot start fails the test instead.
 */
export async function startBroker(port: number): Promise<Broker> {
  if (!existsSync(START)) return { skip: 'tools/engines/kafka/start.sh does not exist' };
  await registry.reap((m) => process.stderr.write(`[client-typecheck] ${m}\n`));
  try {
    const out = execFileSync('bash', [START, '--port', String(port), '--fresh', '--timeout', '120'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
    const bootstrap = out.trim().split('\n').pop() ?? `127.0.0.1:${port}`;
    // start.sh runs the broker in its own session, its pid file in the port's default folder.
    const pid = Number(readFileSync(join(cacheDir(), 'run', `kafka-${port}`, 'kafka.pid'), 'utf8').trim());
    registry.register(pid, `kafka on port ${port}`);
    return {
      bootstrap,
      stop: () => {
        execFileSync('bash', [STOP, '--port', String(port), '--clean'], { cwd: ROOT, stdio: 'ignore' });
        registry.unregister(pid);
      },
    };
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim().split('\n').slice(-3).join(' / ');
    // CI sets the engines up first (.ci/run), so there a broker that won't start is a failure.
    if (process.env['CI'] === 'true') throw new Error(`the Kafka broker did not start: ${stderr}`);
    return { skip: `the Kafka broker did not start (${stderr})` };
  }
}
