import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { RunningDeployment } from '@stateflow/ir';
import { freePort, startProcessGroup, type ProcessGroup } from '@stateflow/process-group';
import type { StatefunAppConfig } from './config.js';
import { findStatefunEnv, type StatefunEnv } from './statefun-env.js';

/** What Java 17 needs to run Flink 1.16 (the flags Flink 1.18 adopted). */
export const JAVA17_FLAGS = [
  '--add-exports=java.base/sun.net.util=ALL-UNNAMED',
  '--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED',
  '--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED',
  ...['java.lang', 'java.net', 'java.io', 'java.nio', 'sun.nio.ch', 'java.lang.reflect', 'java.text', 'java.time', 'java.util', 'java.util.concurrent', 'java.util.concurrent.atomic', 'java.util.concurrent.locks'].map(
    (p) => `--add-opens=java.base/${p}=ALL-UNNAMED`,
  ),
];

/** Options of {@link runStatefunApp}. */
export interface RunStatefunOptions {
  statefunEnv?: StatefunEnv;
  /** Restore from a checkpoint folder (`chk-N`) or `latest` (the newest retained, if any). */
  fromCheckpoint?: string;
  /** Create the topics first. @default true */
  createTopics?: boolean;
  /** Where `service.log`, `jvm.log` and Flink's log go. @default `<appDir>/logs` */
  logDir?: string;
  /** Progress lines. */
  onLine?: (line: string) => void;
  /** Wait this long for the job to run. @default 180 s */
  startTimeoutMs?: number;
  /** More Flink settings (`flink-conf.yaml` keys); they win over the ones this function sets. */
  flinkProperties?: { [key: string]: string };
}

/** An application started by {@link runStatefunApp}. */
export interface RunningStatefunApp extends RunningDeployment {
  /** Resolves when the job runs (every task) and the function service answers. */
  readonly running: Promise<void>;
  readonly logDir: string;
  /** Process groups: the Flink JVM (mini-cluster) and the function service. */
  readonly pids: { jvm: number; service: number };
  /** SIGKILLs the JVM and the service (a crash). */
  kill(): void;
  /** SIGKILLs the function service only. */
  killService(): void;
  /** Starts the function service again (after {@link killService}). */
  startService(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The newest retained checkpoint (`<dir>/<job id>/chk-<n>` with `_metadata`), or undefined. */
export function latestCheckpoint(checkpointDir: string): string | undefined {
  const list = (d: string): string[] => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  };
  const found = list(checkpointDir).flatMap((job) =>
    list(join(checkpointDir, job))
      .filter((c) => c.startsWith('chk-'))
      .map((c) => join(checkpointDir, job, c, '_metadata'))
      .filter((m) => existsSync(m)),
  );
  if (found.length === 0) return undefined;
  return dirname(found.reduce((a, b) => (statSync(a).mtimeMs >= statSync(b).mtimeMs ? a : b)));
}

/**
 * Starts a built application locally: the function service (`service.py`, with the
 * Python of `tools/engines/statefun/setup.sh`), then Statefun on a Flink mini-cluster in
 * one JVM (the launcher of setup.sh: no /opt, loopback only), each in its own process
 * group. `running` resolves once every task of the job runs. `stop()` ends both.
 */
export function runStatefunApp(appDir: string, options: RunStatefunOptions = {}): RunningStatefunApp {
  const sf = options.statefunEnv ?? findStatefunEnv();
  const dir = resolve(appDir);
  const config = JSON.parse(readFileSync(join(dir, 'statefun-app.json'), 'utf8')) as StatefunAppConfig;
  const logDir = options.logDir ?? join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const say = options.onLine ?? (() => undefined);
  const ckDir = config.checkpoint.dir.includes('://') ? config.checkpoint.dir : isAbsolute(config.checkpoint.dir) ? config.checkpoint.dir : join(dir, config.checkpoint.dir);
  const ckUri = ckDir.includes('://') ? ckDir : `file://${ckDir}`;
  // Flink's mini-cluster keeps its working files (RocksDB's local copy of the state, blobs)
  // in a folder `minicluster_<id>` under `io.tmp.dirs` and deletes it only when it is closed,
  // which a JVM ended by a signal never does: under the app's folder, stop() removes it.
  const jvmTmp = join(dir, '.flink-tmp');

  const startService = (): ProcessGroup =>
    startProcessGroup(sf.python, [join(dir, 'service.py')], { cwd: dir, logFile: join(logDir, 'service.log'), lines: 'none', env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  let service = startService();
  const serviceUrl = `http://${config.service.host}:${config.service.port}`;
  const serviceReady = async (proc: ProcessGroup): Promise<void> => {
    const end = Date.now() + 60_000;
    while (Date.now() < end) {
      notStopped();
      if (!proc.running()) throw new Error(`the function service exited during start-up; see ${join(logDir, 'service.log')}`);
      try {
        const res = await fetch(`${serviceUrl}/health`);
        if (res.ok) return;
      } catch {
        /* not yet */
      }
      await sleep(100);
    }
    throw new Error(`the function service did not answer on ${serviceUrl}/health within 60 s; see ${join(logDir, 'service.log')}`);
  };

  let jvm: ProcessGroup | undefined;
  // stop() during start-up ends the start at its next step (never an orphaned process).
  let stopRequested = false;
  const notStopped = () => {
    if (stopRequested) throw new Error('stopped during start-up');
  };
  const running = (async () => {
    await serviceReady(service);
    notStopped();
    say(`SERVICE_READY ${serviceUrl}/statefun`);
    const restPort = await freePort();
    const props: { [k: string]: string } = {
      'statefun.remote.module-name': `file://${join(dir, 'module.yaml')}`,
      'statefun.flink-job-name': config.appName,
      'parallelism.default': String(config.parallelism),
      'execution.checkpointing.interval': `${config.checkpoint.intervalMs} ms`,
      'execution.checkpointing.mode': 'EXACTLY_ONCE',
      // Flink ships a buffer between tasks when full or after this long (default 100 ms):
      // every request crosses two such hops (ingress -> functions -> egress), so the
      // default adds up to 200 ms to each call of a lightly loaded job.
      'execution.buffer-timeout': '1 ms',
      'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
      'state.backend': 'rocksdb',
      'state.backend.incremental': 'true',
      'state.checkpoints.dir': ckUri,
      'state.checkpoints.num-retained': String(config.checkpoint.retained),
      'io.tmp.dirs': jvmTmp,
      'rest.address': '127.0.0.1',
      'rest.bind-address': '127.0.0.1',
      'rest.port': String(restPort),
      'jobmanager.rpc.address': '127.0.0.1',
      'jobmanager.bind-host': '127.0.0.1',
      'taskmanager.bind-host': '127.0.0.1',
      'taskmanager.host': '127.0.0.1',
      'restart-strategy': 'fixed-delay',
      'restart-strategy.fixed-delay.attempts': '2147483647',
      'restart-strategy.fixed-delay.delay': '1 s',
      'stateflow.bootstrap': config.bootstrap,
    };
    if (options.createTopics ?? true) {
      props['stateflow.create-topics'] = [config.topics.ingress, config.topics.egress, config.topics.deadLetter, ...config.replyTopics.filter((t) => t !== '*')].join(',');
    }
    let restore = options.fromCheckpoint;
    if (restore === 'latest') {
      restore = ckDir.includes('://') ? undefined : latestCheckpoint(ckDir);
      say(`RESTORE ${restore ?? 'none (no retained checkpoint)'}`);
    }
    if (restore) props['execution.savepoint.path'] = restore;
    Object.assign(props, options.flinkProperties ?? {});
    mkdirSync(jvmTmp, { recursive: true });
    const propsFile = join(logDir, 'flink.properties');
    writeFileSync(propsFile, Object.entries(props).map(([k, v]) => `${k}=${v.replace(/\\/g, '\\\\')}`).join('\n') + '\n');
    const log4j = join(logDir, 'log4j2.properties');
    writeFileSync(
      log4j,
      `status = warn\nappender.file.type = File\nappender.file.name = FILE\nappender.file.fileName = ${join(logDir, 'flink.log')}\nappender.file.layout.type = PatternLayout\nappender.file.layout.pattern = %d %p %c{1} - %m%n\nrootLogger.level = info\nrootLogger.appenderRef.file.ref = FILE\nlogger.kafka.name = org.apache.kafka\nlogger.kafka.level = warn\nlogger.connectors.name = org.apache.flink.streaming.connectors.kafka\nlogger.connectors.level = warn\nlogger.twophase.name = org.apache.flink.streaming.api.functions.sink\nlogger.twophase.level = warn\nlogger.checkpoint.name = org.apache.flink.runtime.checkpoint\nlogger.checkpoint.level = warn\nlogger.kryo.name = org.apache.flink.api.java.typeutils\nlogger.kryo.level = warn\n`,
    );
    jvm = startProcessGroup(
      'java',
      [...JAVA17_FLAGS, '-Xmx768m', '-XX:+UseG1GC', `-Dlog4j.configurationFile=${log4j}`, `-Dlog4j2.configurationFile=${log4j}`, '-cp', `${sf.libs}/*:${sf.launcherJar}`, 'dev.stateflow.statefun.StatefunLocal', propsFile],
      { cwd: dir, logFile: join(logDir, 'jvm.log'), lines: 'none' },
    );
    const j = jvm;
    const end = Date.now() + (options.startTimeoutMs ?? 180_000);
    while (Date.now() < end) {
      notStopped();
      if (!j.running()) throw new Error(`the Statefun JVM exited during start-up; see ${join(logDir, 'jvm.log')} and flink.log`);
      try {
        const res = await fetch(`http://127.0.0.1:${restPort}/jobs/overview`);
        const body = (await res.json()) as { jobs?: { state: string; tasks: { running: number; total: number } }[] };
        const job = body.jobs?.[0];
        if (job?.state === 'RUNNING' && job.tasks.running === job.tasks.total) {
          say(`JOB_RUNNING rest http://127.0.0.1:${restPort}`);
          return;
        }
      } catch {
        /* not yet */
      }
      await sleep(250);
    }
    throw new Error(`the Statefun job was not running within ${(options.startTimeoutMs ?? 180_000) / 1000} s; see ${join(logDir, 'flink.log')}`);
  })();
  running.catch(() => undefined);

  let stopping: Promise<number> | undefined;
  const stop = (): Promise<number> => {
    stopping ??= (async () => {
      stopRequested = true;
      await running.catch(() => undefined);
      const code = jvm ? await jvm.terminate(20_000) : 0;
      await service.terminate(10_000);
      // Also what a JVM killed earlier (kill(), a crash) left there: no JVM of this app runs now.
      rmSync(jvmTmp, { recursive: true, force: true });
      // Ended by the SIGTERM asked for here: a clean stop.
      return code === 128 + osConstants.signals.SIGTERM ? 0 : code;
    })();
    return stopping;
  };
  const done = (async () => {
    await running.catch(() => undefined);
    return jvm ? jvm.exited : service.exited;
  })();
  return {
    running,
    logDir,
    get pids() {
      return { jvm: jvm?.pid ?? -1, service: service.pid };
    },
    done,
    stop,
    kill() {
      jvm?.kill();
      service.kill();
    },
    killService() {
      service.kill();
    },
    async startService() {
      await service.exited;
      service = startService();
      await serviceReady(service);
    },
  };
}

/** Whether a built folder exists (for messages). */
export const isStatefunApp = (dir: string): boolean => existsSync(join(dir, 'statefun-app.json'));
