import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStatefunApp, runStatefunApp, type RunningStatefunApp, type StatefunArtifact } from '@stateflow/backend-statefun';
import type { Program } from '@stateflow/ir';
import { registry } from './engines.js';

/** The reply topic shared by every deployment of a test run. */
export const REPLY_TOPIC = 'statefun-tests-replies';

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

const freePort = (): Promise<number> =>
  new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });

/**
 * Builds `program` with unique topics (replies allowed on {@link REPLY_TOPIC}) and a free
 * service port into a temporary folder and starts it; resolves once the job runs.
 */
export async function deploy(program: Program, bootstrap: string, options: DeployOptions = {}): Promise<Deployment> {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), `stateflow-statefun-${prefix}-`));
  const artifact = await buildStatefunApp(program, dir, {
    bootstrap,
    topicPrefix: prefix,
    replyTopics: REPLY_TOPIC,
    checkpointIntervalMs: options.checkpointIntervalMs ?? 200,
    servicePort: await freePort(),
    ...(options.egressSemantic ? { egressSemantic: options.egressSemantic } : {}),
  });
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
  const tail = (file: string, n: number) => {
    try {
      return readFileSync(join(dir, 'logs', file), 'utf8').split('\n').slice(-n).join('\n');
    } catch {
      return `(no ${file})`;
    }
  };
  const log = () => `--- jvm.log ---\n${tail('jvm.log', 20)}\n--- service.log ---\n${tail('service.log', 20)}`;
  const started = async (a: RunningStatefunApp) => {
    try {
      await a.running;
    } catch (err) {
      await a.stop();
      untrack(a);
      throw new Error(`${(err as Error).message}\n${log()}`);
    }
    return a;
  };
  let app = await started(track(runStatefunApp(dir)));
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
      app = await started(track(runStatefunApp(dir, { fromCheckpoint: 'latest', createTopics: false, onLine })));
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
