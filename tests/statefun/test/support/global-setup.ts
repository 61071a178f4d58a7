import type { TestProject } from 'vitest/node';
import { onInterrupt } from '@stateflow/engine-harness';
import { registry, setupEngines, startKafka } from './engines.js';

declare module 'vitest' {
  export interface ProvidedContext {
    bootstrap: string;
  }
}

/**
 * One Kafka broker for the whole run. Everything the run starts is in the suite's pid
 * registry: what a killed earlier run left is stopped first, and at the end (or on
 * Ctrl-C / SIGTERM of the runner) the broker and every job still running are stopped.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (m: string) => process.stderr.write(`[statefun-tests] ${m}\n`);
  const leftovers = await registry.reap(log);
  if (leftovers > 0) log(`stopped ${leftovers} process group(s) an earlier run left running`);
  await setupEngines(log);
  const t0 = Date.now();
  const broker = await startKafka();
  log(`Kafka on ${broker.bootstrap} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  project.provide('bootstrap', broker.bootstrap);
  const stop = async () => {
    // First the jobs a test could not stop (an interrupted or crashed worker), then Kafka.
    await registry.reap(log, { except: [broker.pid] });
    await broker.stop();
    log('Kafka stopped');
  };
  const removeHandlers = onInterrupt(stop);
  return async () => {
    removeHandlers();
    await stop();
  };
}
