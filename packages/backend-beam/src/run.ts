import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import type { RunningDeployment } from '@stateflow/ir';
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
  const logFd = openSync(logFile, 'a');
  const child: ChildProcess = spawn(beam.python, args, {
    cwd: pipelineDir,
    detached: true,
    stdio: ['ignore', 'pipe', logFd],
    env: { ...process.env, PYTHONUNBUFFERED: '1', ...options.env },
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
      appendFileSync(logFile, `${line}\n`);
      if (line.startsWith('PIPELINE_RUNNING')) runningResolve();
      options.onLine?.(line);
    }
  });
  const done = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      // A signal gives 128 + its number, as shells report it (SIGKILL: 137).
      const status = code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1);
      runningReject(new Error(`the Beam pipeline exited (${signal ?? `status ${code}`}) before running: ${lines.filter((l) => l.startsWith('PIPELINE_ERROR')).join(' ') || `see ${logFile}`}`));
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
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  };
  let stopping: Promise<number> | undefined;
  const stop = (): Promise<number> => {
    stopping ??= (async () => {
      writeFileSync(stopFile, '');
      const exited = await Promise.race([done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
      if (!exited) signalGroup('SIGTERM');
      // Prism and the SDK workers leave shortly after the pipeline's Python.
      if (!(await waitGroup(10_000))) {
        signalGroup('SIGTERM');
        if (!(await waitGroup(5_000))) signalGroup('SIGKILL');
        await waitGroup(5_000);
      }
      rmSync(stopFile, { force: true });
      return done;
    })();
    return stopping;
  };
  return { pid, logDir, running, done, stop, kill: () => signalGroup('SIGKILL') };
}
