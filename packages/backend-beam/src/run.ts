import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningDeployment } from '@stateflow/ir';
import { lineBeforeExit, startProcessGroup, stopWithFile } from '@stateflow/process-group';
import { findBeamEnv, type BeamEnv } from './beam-env.js';

/** Options of {@link runBeamPipeline}. */
export interface RunBeamPipelineOptions {
  /** Beam installation (default: {@link findBeamEnv}()). */
  beamEnv?: BeamEnv;
  /** Extra `pipeline.py` flags (and Beam pipeline options), e.g. `['--bootstrap', '127.0.0.1:19492']`. */
  args?: string[];
  /** Create the topics first (`--create-topics`). @default true */
  createTopics?: boolean;
  /** Where `pipeline.log` (its stdout lines and stderr) goes. @default `<pipelineDir>/logs` */
  logDir?: string;
  /** Each line the pipeline prints (`PIPELINE_RUNNING 4.2`, `OFFSETS ...`, ...). */
  onLine?: (line: string) => void;
  /** Extra environment variables of the pipeline. */
  env?: NodeJS.ProcessEnv;
}

/** A pipeline started by {@link runBeamPipeline}. */
export interface RunningBeamPipeline extends RunningDeployment {
  /** Process id of the pipeline's Python; also its process group id (Prism and the SDK workers are in it). */
  readonly pid: number;
  /** Where `pipeline.log` is. */
  readonly logDir: string;
  /** Resolves when the pipeline runs (rejects when it ends before). */
  readonly running: Promise<void>;
  /** SIGKILLs the whole process group at once (a crash, for fault tests). */
  kill(): void;
}

/**
 * Starts `pipeline.py` of a built pipeline directory on Prism (the venv and the binary
 * of `tools/engines/beam/setup.sh`), in its own process group. `stop()` asks the pipeline
 * to cancel (a stop file), waits, and ends what is left of the group.
 */
export function runBeamPipeline(pipelineDir: string, options: RunBeamPipelineOptions = {}): RunningBeamPipeline {
  const beam = options.beamEnv ?? findBeamEnv();
  const logDir = options.logDir ?? join(pipelineDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const stopFile = join(logDir, `stop-${process.pid}-${Date.now()}`);
  rmSync(stopFile, { force: true });
  const args = [join(pipelineDir, 'pipeline.py'), '--prism', beam.prism, '--stop-file', stopFile];
  if (options.createTopics ?? true) args.push('--create-topics');
  args.push(...(options.args ?? []));
  const logFile = join(logDir, 'pipeline.log');
  const group = startProcessGroup(beam.python, args, {
    cwd: pipelineDir,
    logFile,
    lines: 'stdout',
    env: { ...process.env, PYTHONUNBUFFERED: '1', ...options.env },
  });
  if (options.onLine) group.onLine(options.onLine);
  const running = lineBeforeExit(
    group,
    (line) => line.startsWith('PIPELINE_RUNNING'),
    (status, lines) => new Error(`the Beam pipeline exited (status ${status}) before running: ${lines.filter((l) => l.startsWith('PIPELINE_ERROR')).join(' ') || `see ${logFile}`}`),
  );
  let stopping: Promise<number> | undefined;
  // Prism and the SDK workers leave shortly after the pipeline's Python.
  const stop = (): Promise<number> => (stopping ??= stopWithFile(group, stopFile, 20_000));
  return { pid: group.pid, logDir, running, done: group.exited, stop, kill: group.kill };
}
