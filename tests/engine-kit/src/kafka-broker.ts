import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript, type PidRegistry } from '@stateflow/engine-harness';

/** A broker started by {@link startKafka}. */
export interface KafkaBroker {
  bootstrap: string;
  /** The broker's pid (also its process group). */
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

/** Options of {@link startKafka}. */
export interface StartKafkaOptions {
  /** Broker port on 127.0.0.1 (the controller takes the next one). */
  port: number;
  /** Where the broker's process group is recorded, so that nothing outlives the run. */
  registry: PidRegistry;
  /** Names the temporary folder (`stateflow-<name>-kafka-*`). */
  name: string;
}

/**
 * Starts a fresh single-node Kafka on 127.0.0.1:`port` in a temporary folder
 * (`tools/engines/kafka/start.sh` probes its readiness); `stop()` stops it and deletes the folder.
 */
export async function startKafka({ port, registry, name }: StartKafkaOptions): Promise<KafkaBroker> {
  const dir = mkdtempSync(join(tmpdir(), `stateflow-${name}-kafka-`));
  let pid: number | undefined;
  const stop = async () => {
    await runScript('kafka/stop.sh', ['--dir', dir, '--clean'], { timeoutMs: 60_000 }).catch(() => undefined);
    if (pid !== undefined) registry.unregister(pid);
  };
  try {
    const stdout = await runScript('kafka/start.sh', ['--port', String(port), '--dir', dir, '--fresh', '--timeout', '120'], { timeoutMs: 180_000 });
    // start.sh runs the broker in its own session: its pid is its process group.
    pid = Number(readFileSync(join(dir, 'kafka.pid'), 'utf8').trim());
    registry.register(pid, `kafka ${dir}`);
    return { bootstrap: stdout.trim().split('\n').pop()!, pid, dir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
