import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import type { RunningDeployment } from '@stateflow/ir';
import { findFlinkEnv, type FlinkEnv } from './flink-env.js';

/** Options of {@link runFlinkJob}. */
export interface RunFlinkJobOptions {
  /** PyFlink installation (default: {@link findFlinkEnv}()). */
  flinkEnv?: FlinkEnv;
  /** Extra `job.py` flags, e.g. `['--bootstrap', '127.0.0.1:19392']`. */
  args?: string[];
  /** Create the topics first (`--create-topics`). @default true */
  createTopics?: boolean;
  /** Restore from a checkpoint folder or `latest`. */
  fromCheckpoint?: string;
  /** Where `job.log` (the job's output: its stdout lines and stderr) and Flink's logs go. @default `<jobDir>/logs` */
  logDir?: string;
  /** Each line the job prints (`JOB_RUNNING 4.2`, `TOPICS ...`, ...). */
  onLine?: (line: string) => void;
  /** Extra environment variables of the job. */
  env?: NodeJS.ProcessEnv;
}

/** A job started by {@link runFlinkJob}. */
export interface RunningFlinkJob extends RunningDeployment {
  /** Process id of the job's Python; also its process group id (the mini-cluster JVM and workers are in it). */
  readonly pid: number;
  /** Where `job.log` and Flink's logs are. */
  readonly logDir: string;
  /** Resolves when the job is running (rejects when it ends before). */
  readonly running: Promise<void>;
  /** SIGKILLs the whole process group at once (a crash, for fault tests). */
  kill(): void;
}

/**
 * Starts `job.py` of a built job directory on a local Flink mini-cluster, with the
 * PyFlink venv of `stateflow engine setup flink`, in its own process group. `stop()`
 * asks the job to cancel (a stop file), waits, and ends what is left of the group.
 */
export function runFlinkJob(jobDir: string, options: RunFlinkJobOptions = {}): RunningFlinkJob {
  const flink = options.flinkEnv ?? findFlinkEnv();
  const logDir = options.logDir ?? join(jobDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const stopFile = join(logDir, `stop-${process.pid}-${Date.now()}`);
  rmSync(stopFile, { force: true });
  const args = [join(jobDir, 'job.py'), '--jar', flink.kafkaJar, '--stop-file', stopFile];
  if (options.createTopics ?? true) args.push('--create-topics');
  if (options.fromCheckpoint) args.push('--from-checkpoint', options.fromCheckpoint);
  args.push(...(options.args ?? []));
  const logFd = openSync(join(logDir, 'job.log'), 'a');
  const child: ChildProcess = spawn(flink.python, args, {
    cwd: jobDir,
    detached: true,
    stdio: ['ignore', 'pipe', logFd],
    env: { ...process.env, FLINK_LOG_DIR: logDir, PYTHONUNBUFFERED: '1', ...options.env },
  });
  closeSync(logFd);
  const pid = child.pid!;
  let runningResolve!: () => void;
  let runningReject!: (e: Error) => void;
  const running = new Promise<void>((res, rej) => {
    runningResolve = res;
    runningReject = rej;
  });
  running.catch(() => undefined);
  const lines: string[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      if (lines.length > 200) lines.shift();
      appendFileSync(join(logDir, 'job.log'), `${line}\n`);
      if (line.startsWith('JOB_RUNNING')) runningResolve();
      options.onLine?.(line);
    }
  });
  const done = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      // A signal gives 128 + its number, as shells report it (SIGKILL: 137).
      const status = code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1);
      runningReject(new Error(`the Flink job exited (${signal ?? `status ${code}`}) before running: ${lines.filter((l) => l.startsWith('JOB_ERROR')).join(' ') || `see ${join(logDir, 'job.log')}`}`));
      resolve(status);
    });
  });

  const groupAlive = (): boolean => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const waitGroup = async (ms: number): Promise<boolean> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (!groupAlive()) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return !groupAlive();
  };
  const kill = (): void => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  let stopping: Promise<number> | undefined;
  const stop = (): Promise<number> => {
    stopping ??= (async () => {
      writeFileSync(stopFile, '');
      const exited = await Promise.race([done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
      if (!exited) {
        try {
          process.kill(-pid, 'SIGTERM');
        } catch {
          /* gone */
        }
      }
      // The mini-cluster JVM and the Python workers leave shortly after the job's Python.
      if (!(await waitGroup(10_000))) {
        try {
          process.kill(-pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        if (!(await waitGroup(5_000))) kill();
        await waitGroup(5_000);
      }
      rmSync(stopFile, { force: true });
      return done;
    })();
    return stopping;
  };
  return { pid, logDir, running, done, stop, kill };
}
