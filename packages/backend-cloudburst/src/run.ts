import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LambdaClientAccess, RunningDeployment } from '@stateflow/ir';
import { readCloudburstConfig } from './build.js';
import { findCloudburstEnv, type CloudburstEnv } from './cloudburst-env.js';
import { portOpen, startProcessGroup, waitUntilReady, type ProcessGroup } from '@stateflow/process-group';

const run = promisify(execFile);

/** Anna's and Cloudburst's fixed ports that say each process is ready. */
const READY_PORT = { annaRoute: 6450, annaKvs: 6200, scheduler: 5000, executor: 4000 } as const;
/** Client ids (answer ports 9000 + id, Anna client offset id + 10, which must stay under 50). */
const REGISTER_TID = 10;
const GATEWAY_FIRST_TID = 20;

/** Options of {@link runCloudburstLocally}; unset ones come from the artifact's settings. */
export interface RunCloudburstOptions {
  cloudburstEnv?: CloudburstEnv;
  /** Port of the gateway (Lambda Invoke API). */
  gatewayPort?: number;
  /** Cloudburst clients in the gateway. */
  connections?: number;
  /** Where logs and Anna's config go. @default `<artifact>/run` */
  runDir?: string;
  /** Seconds to wait for each process. @default 60 */
  startTimeoutSeconds?: number;
  /** More DAGs the gateway serves (each a one-function DAG of the same name; benchmarks). */
  extraDags?: string[];
}

/** A deployment running locally: Anna, Cloudburst's scheduler and one executor, the gateway. */
export interface RunningCloudburst extends RunningDeployment {
  /** The gateway's Lambda Invoke API, e.g. `http://127.0.0.1:9310`. */
  readonly endpoint: string;
  /** The function and DAG name (the Invoke API's function name). */
  readonly functionName: string;
  readonly clientAccess: LambdaClientAccess;
  readonly runDir: string;
  /** The processes by role (`anna-monitor`, `anna-route`, `anna-kvs`, `scheduler`, `executor`, `gateway`). */
  readonly processes: Map<string, ProcessGroup>;
  /** Kills the executor with SIGKILL (fault tests). */
  killExecutor(): void;
  /**
   * Starts the executor again and registers the program again (a new executor has no
   * pinned functions and must be told about the function).
   */
  restartExecutor(): Promise<void>;
}

/**
 * Runs a built deployment locally: Anna (monitor, routing, memory KVS), Cloudburst's
 * scheduler and one executor (which imports `function/`), registers the program, and
 * starts the gateway (`stateflow_cloudburst.gateway`) serving the Lambda Invoke API.
 * Anna and Cloudburst use fixed ports: one local deployment per machine at a time.
 */
export async function runCloudburstLocally(outDir: string, options: RunCloudburstOptions = {}): Promise<RunningCloudburst> {
  const env = options.cloudburstEnv ?? findCloudburstEnv();
  const config = await readCloudburstConfig(outDir);
  const runDir = options.runDir ?? join(outDir, 'run');
  const functionDir = join(outDir, 'function');
  const timeoutMs = (options.startTimeoutSeconds ?? 60) * 1000;
  const gatewayPort = options.gatewayPort ?? config.gatewayPort;
  mkdirSync(join(runDir, 'conf'), { recursive: true });
  copyFileSync(join(env.annaHome, 'conf', 'anna-local.yml'), join(runDir, 'conf', 'anna-config.yml'));
  copyFileSync(join(env.cloudburstHome, 'conf', 'cloudburst-local.yml'), join(runDir, 'conf', 'cloudburst-local.yml'));
  for (const port of [READY_PORT.scheduler, READY_PORT.annaRoute, READY_PORT.executor, gatewayPort]) {
    if (await portOpen(port)) throw new Error(`port ${port} on 127.0.0.1 is in use (another Cloudburst, or something else); stop it first`);
  }
  const processes = new Map<string, ProcessGroup>();
  const pythonEnv = { ...process.env, PYTHONPATH: functionDir, PYTHONUNBUFFERED: '1' };
  const start = async (role: string, command: string, args: string[], extraEnv: NodeJS.ProcessEnv, ready: () => Promise<boolean>) => {
    const logFile = join(runDir, `${role}.log`);
    const proc = startProcessGroup(command, args, { cwd: runDir, env: { ...process.env, ...extraEnv }, logFile });
    processes.set(role, proc);
    await waitUntilReady(ready, proc, { timeoutMs, what: role, logFile });
  };
  const kvs = (name: string) => join(env.annaHome, 'build', 'target', 'kvs', name);
  const cloudburstServer = (role: string) => join(env.cloudburstHome, 'cloudburst', 'server', role, 'server.py');
  const startExecutor = () =>
    start('executor', env.python, ['-u', cloudburstServer('executor'), 'conf/cloudburst-local.yml'], pythonEnv, () => portOpen(READY_PORT.executor));
  const register = () =>
    run(env.python, ['-m', 'stateflow_cloudburst.register', '--local', '--tid', String(REGISTER_TID)], { cwd: functionDir, env: pythonEnv, timeout: timeoutMs });
  const stopAll = async () => {
    for (const role of ['gateway', 'executor', 'scheduler', 'anna-kvs', 'anna-route', 'anna-monitor']) await processes.get(role)?.terminate(3000);
  };
  try {
    await start('anna-monitor', kvs('anna-monitor'), [], {}, async () => true);
    await start('anna-route', kvs('anna-route'), [], {}, () => portOpen(READY_PORT.annaRoute));
    await start('anna-kvs', kvs('anna-kvs'), [], { SERVER_TYPE: 'memory' }, () => portOpen(READY_PORT.annaKvs));
    await start('scheduler', env.python, ['-u', cloudburstServer('scheduler'), 'conf/cloudburst-local.yml'], pythonEnv, () => portOpen(READY_PORT.scheduler));
    await startExecutor();
    await register();
    const gatewayArgs = ['-m', 'stateflow_cloudburst.gateway', '--port', String(gatewayPort)];
    for (const dag of [config.name, ...(options.extraDags ?? [])]) gatewayArgs.push('--dag', dag);
    gatewayArgs.push('--connections', String(options.connections ?? config.connections), '--first-tid', String(GATEWAY_FIRST_TID), '--timeout', String(config.callTimeoutSeconds));
    await start('gateway', env.python, gatewayArgs, pythonEnv, () => portOpen(gatewayPort));
  } catch (err) {
    await stopAll();
    throw err;
  }
  const endpoint = `http://127.0.0.1:${gatewayPort}`;
  let resolveDone!: (status: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let stopping: Promise<number> | undefined;
  // The deployment has ended when the gateway, the scheduler or Anna exits on its own (the
  // executor may die and be started again: see restartExecutor).
  for (const role of ['gateway', 'scheduler', 'anna-kvs', 'anna-route', 'anna-monitor']) {
    void processes.get(role)!.exited.then((status) => {
      if (stopping) return;
      stopping = stopAll().then(() => status);
      void stopping.then(resolveDone);
    });
  }
  // The gateway speaks the Lambda Invoke API, so the client's `lambdaTransport` reaches it.
  const clientAccess: LambdaClientAccess = { transport: 'lambda', endpoint, functionName: config.name, region: 'us-east-1', unsigned: true };
  return {
    clientAccess,
    endpoint,
    functionName: config.name,
    runDir,
    processes,
    done,
    killExecutor: () => processes.get('executor')?.kill(),
    async restartExecutor() {
      await processes.get('executor')?.terminate(1000);
      await startExecutor();
      await register();
    },
    stop() {
      stopping ??= (async () => {
        await stopAll();
        resolveDone(0);
        return 0;
      })();
      return stopping;
    },
  };
}
