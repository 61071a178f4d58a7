import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildStatefunApp, runStatefunApp, type RunningStatefunApp, type StatefunArtifact } from '@stateflow/backend-statefun';
import { deploymentFolder, freePort, started, tailLog } from '@stateflow/engine-test-kit';
import type { Program } from '@stateflow/ir';
import { registry, REPLY_TOPIC } from './suite.js';

export { REPLY_TOPIC };

/** A program running on Statefun (a JVM and a function service) with its own topics. */
export interface Deployment {
  artifact: StatefunArtifact;
  app: RunningStatefunApp;
  prefix: string;
  ingress: string;
  deadLetter: string;
  /** The checkpoint the last {@link restart} restored (`RESTORE` line of the runner). */
  readonly restored: string | undefined;
  /** Starts the JVM and the service again (after a kill), restoring the newest retained checkpoint. */
  restart(): Promise<RunningStatefunApp>;
  /** Stops both (and deletes the folder unless `keep`). */
  stop(keep?: boolean): Promise<void>;
  /** The last lines of the logs, for failure messages. */
  log(): string;
}

/** Options of {@link deploy}. */
export interface DeployOptions {
  checkpointIntervalMs?: number;
  egressSemantic?: 'exactly-once' | 'at-least-once';
}

/**
 * Builds `program` with unique topics (replies allowed on {@link REPLY_TOPIC}) and a free
 * service port into a temporary folder and starts it; resolves once the job runs.
 */
export async function deploy(program: Program, bootstrap: string, options: DeployOptions = {}): Promise<Deployment> {
  const { prefix, dir } = deploymentFolder('statefun');
  const artifact = await buildStatefunApp(program, dir, {
    bootstrap,
    topicPrefix: prefix,
    replyTopics: REPLY_TOPIC,
    checkpointIntervalMs: options.checkpointIntervalMs ?? 200,
    servicePort: await freePort(),
    ...(options.egressSemantic ? { egressSemantic: options.egressSemantic } : {}),
  });
  // The JVM and the function service are two process groups; the JVM's pid is known once it runs.
  const track = (a: RunningStatefunApp) => {
    void a.running.then(
      () => registry.register(a.pids.jvm, `statefun jvm ${prefix} ${dir}`),
      () => undefined,
    );
    registry.register(a.pids.service, `statefun service ${prefix} ${dir}`);
    return a;
  };
  const untrack = (a: RunningStatefunApp) => {
    registry.unregister(a.pids.jvm);
    registry.unregister(a.pids.service);
  };
  const log = () => `--- jvm.log ---\n${tailLog(join(dir, 'logs', 'jvm.log'), 20)}\n--- service.log ---\n${tailLog(join(dir, 'logs', 'service.log'), 20)}`;
  const start = (a: RunningStatefunApp) => started(track(a), { forget: () => untrack(a), log });
  let app = await start(runStatefunApp(dir));
  let restored: string | undefined;
  return {
    artifact,
    get app() {
      return app;
    },
    get restored() {
      return restored;
    },
    prefix,
    ingress: artifact.config.topics.ingress,
    deadLetter: artifact.config.topics.deadLetter,
    async restart() {
      untrack(app);
      const onLine = (line: string) => {
        if (line.startsWith('RESTORE ')) restored = line.slice('RESTORE '.length);
      };
      app = await start(runStatefunApp(dir, { fromCheckpoint: 'latest', createTopics: false, onLine }));
      return app;
    },
    async stop(keep = false) {
      await app.stop();
      untrack(app);
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
    log,
  };
}
