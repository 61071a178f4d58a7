import type { TestProject } from 'vitest/node';
import { setupEngines, startKafka } from './engines.js';

declare module 'vitest' {
  export interface ProvidedContext {
    bootstrap: string;
  }
}

/** One Kafka broker for the whole run; stopped (and its folder deleted) at the end, even on failure. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (m: string) => process.stderr.write(`[flink-tests] ${m}\n`);
  await setupEngines(log);
  const t0 = Date.now();
  const broker = await startKafka();
  log(`Kafka on ${broker.bootstrap} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  project.provide('bootstrap', broker.bootstrap);
  const stop = async () => {
    await broker.stop();
    log('Kafka stopped');
  };
  const onSignal = () => {
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stop();
  };
}
