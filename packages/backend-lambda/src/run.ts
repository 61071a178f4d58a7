import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LambdaClientAccess, RunningDeployment } from '@stateflow/ir';
import { readLambdaConfig } from './build.js';
import type { LambdaConfig } from './config.js';
import { Dispatcher } from './dispatcher.js';
import { findLambdaEnv, type LambdaEnv } from './lambda-env.js';
import { freePort } from '@stateflow/process-group';
import { createStateTable, LOCAL_AWS_ENV, startLocalStore, type LocalStore } from './store.js';

/** Options of {@link runLambdaLocally}; unset ones come from the artifact's settings. */
export interface RunLambdaOptions {
  /** The local stand-in (default: {@link findLambdaEnv}()). */
  lambdaEnv?: LambdaEnv;
  /** Emulators in the pool. */
  emulators?: number;
  /** Port of the Invoke API (0: any free port). */
  invokePort?: number;
  /** Port of the store (0: any free port). */
  storePort?: number;
  /**
   * Use a store already running at this endpoint (its owner stops it) instead of starting
   * one; the table is created there.
   */
  storeEndpoint?: string;
  /** The table's name. @default `<name>-state` */
  tableName?: string;
  /** Told about every process group started (store, emulators, restarted emulators). */
  onProcess?: (pid: number, what: string, exited: Promise<number>) => void;
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
  /** The store this run started (absent when given `storeEndpoint`). */
  readonly store: LocalStore | undefined;
  readonly clientAccess: LambdaClientAccess;
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
  const tableName = options.tableName ?? `${config.name}-state`;
  let store: LocalStore | undefined;
  if (options.storeEndpoint === undefined) {
    const storePort = options.storePort === 0 ? await freePort() : (options.storePort ?? config.storePort);
    store = await startLocalStore(env, storePort, tableName, join(logDir, 'store.log'), options.onProcess);
  } else {
    await createStateTable(options.storeEndpoint, tableName);
  }
  const storeEndpoint = store?.endpoint ?? options.storeEndpoint!;
  let dispatcher: Dispatcher;
  try {
    dispatcher = await Dispatcher.start(
      {
        env,
        functionDir: join(outDir, 'function'),
        functionEnv: { ...LOCAL_AWS_ENV, STATEFLOW_TABLE: tableName, STATEFLOW_DYNAMODB_ENDPOINT: storeEndpoint, STATEFLOW_MAX_HOPS: String(config.maxHops) },
        logDir,
        ...(options.onProcess ? { onProcess: options.onProcess } : {}),
      },
      options.emulators ?? config.emulators,
      options.invokePort ?? config.invokePort,
      [config.name, 'function'],
    );
  } catch (err) {
    await store?.stop();
    throw err;
  }
  let resolveDone!: (status: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let stopping: Promise<number> | undefined;
  // How `stateflow run` puts the HTTP API in front of it: the client's `lambdaTransport`.
  const clientAccess: LambdaClientAccess = { transport: 'lambda', endpoint: dispatcher.endpoint, functionName: config.name, region: LOCAL_AWS_ENV.AWS_REGION, unsigned: true };
  return {
    clientAccess,
    endpoint: dispatcher.endpoint,
    functionName: config.name,
    storeEndpoint,
    tableName,
    dispatcher,
    store,
    done,
    stop() {
      stopping ??= (async () => {
        await dispatcher.stop();
        await store?.stop();
        resolveDone(0);
        return 0;
      })();
      return stopping;
    },
  };
}
