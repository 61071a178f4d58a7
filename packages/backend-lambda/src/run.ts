import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningDeployment } from '@stateflow/ir';
import { readLambdaConfig } from './build.js';
import type { LambdaConfig } from './config.js';
import { Dispatcher } from './dispatcher.js';
import { findLambdaEnv, type LambdaEnv } from './lambda-env.js';
import { LOCAL_AWS_ENV, startLocalStore, type LocalStore } from './store.js';

/** Options of {@link runLambdaLocally}; unset ones come from the artifact's settings. */
export interface RunLambdaOptions {
  /** The local stand-in (default: {@link findLambdaEnv}()). */
  lambdaEnv?: LambdaEnv;
  /** Emulators in the pool. */
  emulators?: number;
  /** Port of the Invoke API (0: any free port). */
  port?: number;
  /** Port of the store (0: any free port). */
  storePort?: number;
  /** Where the emulators' and the store's logs go. @default `<artifact>/logs` */
  logDir?: string;
}

/** A deployment running locally. */
export interface RunningLambda extends RunningDeployment {
  /** The Lambda Invoke API, for `lambdaTransport({ endpoint, functionName })`. */
  readonly endpoint: string;
  /** The function name the dispatcher answers to. */
  readonly functionName: string;
  /** The DynamoDB-compatible store's endpoint. */
  readonly storeEndpoint: string;
  readonly tableName: string;
  readonly dispatcher: Dispatcher;
  readonly store: LocalStore;
}

/**
 * Runs a built deployment locally: the DynamoDB-compatible store with the function's
 * table, a pool of emulators running `function/`, and the dispatcher in front of them.
 */
export async function runLambdaLocally(outDir: string, options: RunLambdaOptions = {}): Promise<RunningLambda> {
  const env = options.lambdaEnv ?? findLambdaEnv();
  const config: LambdaConfig = await readLambdaConfig(outDir);
  const logDir = options.logDir ?? join(outDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const tableName = `${config.name}-state`;
  const { freePort } = await import('./processes.js');
  const storePort = options.storePort === 0 ? await freePort() : (options.storePort ?? config.storePort);
  const store = await startLocalStore(env, storePort, tableName, join(logDir, 'store.log'));
  let dispatcher: Dispatcher;
  try {
    dispatcher = await Dispatcher.start(
      {
        env,
        functionDir: join(outDir, 'function'),
        functionEnv: { ...LOCAL_AWS_ENV, STATEFLOW_TABLE: tableName, STATEFLOW_DYNAMODB_ENDPOINT: store.endpoint, STATEFLOW_MAX_HOPS: String(config.maxHops) },
        logDir,
      },
      options.emulators ?? config.emulators,
      options.port ?? config.port,
      [config.name, 'function'],
    );
  } catch (err) {
    await store.stop();
    throw err;
  }
  let resolveDone!: (status: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let stopping: Promise<number> | undefined;
  return {
    endpoint: dispatcher.endpoint,
    functionName: config.name,
    storeEndpoint: store.endpoint,
    tableName,
    dispatcher,
    store,
    done,
    stop() {
      stopping ??= (async () => {
        await dispatcher.stop();
        await store.stop();
        resolveDone(0);
        return 0;
      })();
      return stopping;
    },
  };
}
