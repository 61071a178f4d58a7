import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './paths.js';

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
export function startBroker(port: number): Broker {
  if (!existsSync(START)) return { skip: 'tools/engines/kafka/start.sh does not exist' };
  try {
    const out = execFileSync('bash', [START, '--port', String(port), '--fresh', '--timeout', '120'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
    const bootstrap = out.trim().split('\n').pop() ?? `127.0.0.1:${port}`;
    return {
      bootstrap,
      stop: () => {
        execFileSync('bash', [STOP, '--port', String(port), '--clean'], { cwd: ROOT, stdio: 'ignore' });
      },
    };
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim().split('\n').slice(-3).join(' / ');
    // CI sets the engines up first (.ci/run), so there a broker that won't start is a failure.
    if (process.env['CI'] === 'true') throw new Error(`the Kafka broker did not start: ${stderr}`);
    return { skip: `the Kafka broker did not start (${stderr})` };
  }
}
