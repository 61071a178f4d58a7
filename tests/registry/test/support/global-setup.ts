import type { TestProject } from 'vitest/node';
import { publishAll, startRegistry } from '../../support/registry.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    registryUrl: string;
  }
}

/** Starts the throwaway registry, publishes every public package into it, and stops it at the end. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (m: string) => process.stderr.write(`[registry-tests] ${m}\n`);
  const registry = await startRegistry({ log });
  const stop = async () => {
    await registry.stop();
    log('registry stopped, its storage removed');
  };
  const onSignal = () => void stop().then(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    publishAll(registry, { log });
  } catch (err) {
    await stop();
    throw err;
  }
  project.provide('registryUrl', registry.url);
  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stop();
  };
}
