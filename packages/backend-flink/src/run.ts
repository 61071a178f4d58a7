import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningDeployment } from '@stateflow/ir';
import { lineBeforeExit, startProcessGroup, stopWithFile } from '@stateflow/process-group';
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
  const logFile = join(logDir, 'job.log');
  const group = startProcessGroup(flink.python, args, {
    cwd: jobDir,
    logFile,
    lines: 'stdout',
    env: { ...process.env, FLINK_LOG_DIR: logDir, PYTHONUNBUFFERED: '1', ...options.env },
  });
  if (options.onLine) group.onLine(options.onLine);
  const running = lineBeforeExit(
    group,
    (line) => line.startsWith('JOB_RUNNING'),
    (status, lines) => new Error(`the Flink job exited (status ${status}) before running: ${lines.filter((l) => l.startsWith('JOB_ERROR')).join(' ') || `see ${logFile}`}`),
  );
  let stopping: Promise<number> | undefined;
  // The mini-cluster JVM and the Python workers leave shortly after the job's Python.
  const stop = (): Promise<number> => (stopping ??= stopWithFile(group, stopFile, 30_000));
  return { pid: group.pid, logDir, running, done: group.exited, stop, kill: group.kill };
}
