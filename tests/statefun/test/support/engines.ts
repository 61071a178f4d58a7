import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The shared engine-test harness (tools/engines: harness.mjs, documented in its README.md).
import { pidRegistry, runScript } from '@stateflow/engine-harness';

/** Kafka port of the Statefun engine tests (controller: +1); away from the other suites' ports. */
export const KAFKA_PORT = Number(process.env['STATEFLOW_STATEFUN_TEST_KAFKA_PORT'] ?? 19792);

/** Every process group this suite starts (Kafka, each deployment), reaped when the run ends or next starts. */
export const registry = pidRegistry('statefun-tests');

/** Fetches Kafka and sets up Statefun (cached: well under a second when done before). */
export async function setupEngines(log: (m: string) => void): Promise<void> {
  const t0 = Date.now();
  await runScript('kafka/fetch.sh');
  await runScript('statefun/setup.sh');
  log(`engines ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** A broker started by {@link startKafka}. */
export interface KafkaBroker {
  bootstrap: string;
  /** The broker's pid (also its process group). */
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

/** Starts a fresh single-node Kafka on 127.0.0.1:{@link KAFKA_PORT} in a temporary folder (`kafka/start.sh` probes its readiness). */
export async function startKafka(): Promise<KafkaBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'stateflow-statefun-kafka-'));
  let pid: number | undefined;
  const stop = async () => {
    await runScript('kafka/stop.sh', ['--dir', dir, '--clean'], { timeoutMs: 60_000 }).catch(() => undefined);
    if (pid !== undefined) registry.unregister(pid);
  };
  try {
    const stdout = await runScript('kafka/start.sh', ['--port', String(KAFKA_PORT), '--dir', dir, '--fresh', '--timeout', '120'], { timeoutMs: 180_000 });
    // start.sh runs the broker in its own session: its pid is its process group.
    pid = Number(readFileSync(join(dir, 'kafka.pid'), 'utf8').trim());
    registry.register(pid, `kafka ${dir}`);
    return { bootstrap: stdout.trim().split('\n').pop()!, pid, dir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
