import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository's tools/engines folder. */
export const ENGINES_DIR = resolve(fileURLToPath(import.meta.url), '../../../../../tools/engines');

/** Kafka port of the Flink engine tests (controller: +1); away from the other suites' ports. */
export const KAFKA_PORT = Number(process.env['STATEFLOW_FLINK_TEST_KAFKA_PORT'] ?? 19392);

/** Fetches Kafka and sets up PyFlink (cached: well under a second when done before). */
export async function setupEngines(log: (m: string) => void): Promise<void> {
  const t0 = Date.now();
  await run(join(ENGINES_DIR, 'kafka/fetch.sh'), [], { timeout: 900_000 });
  await run(join(ENGINES_DIR, 'flink/setup.sh'), [], { timeout: 900_000 });
  log(`engines ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** A broker started by {@link startKafka}. */
export interface KafkaBroker {
  bootstrap: string;
  dir: string;
  stop(): Promise<void>;
}

/** Starts a fresh single-node Kafka on 127.0.0.1:{@link KAFKA_PORT} in a temporary folder. */
export async function startKafka(): Promise<KafkaBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'stateflow-flink-kafka-'));
  const stop = async () => {
    await run(join(ENGINES_DIR, 'kafka/stop.sh'), ['--dir', dir, '--clean'], { timeout: 60_000 }).catch(() => undefined);
  };
  try {
    const { stdout } = await run(join(ENGINES_DIR, 'kafka/start.sh'), ['--port', String(KAFKA_PORT), '--dir', dir, '--fresh', '--timeout', '120'], {
      timeout: 180_000,
    });
    return { bootstrap: stdout.trim().split('\n').pop()!, dir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
