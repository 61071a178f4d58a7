import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFlinkJob, runFlinkJob, type FlinkArtifact, type RunningFlinkJob } from '@stateflow/backend-flink';
import type { Program } from '@stateflow/ir';
import { registry } from './engines.js';
import { REPLY_TOPIC } from './requester.js';

/** A program running as a PyFlink job with its own topics. */
export interface Deployment {
  artifact: FlinkArtifact;
  job: RunningFlinkJob;
  /** Topic prefix of this deployment. */
  prefix: string;
  ingress: string;
  /** Starts the job again (after a kill), restoring the newest retained checkpoint. */
  restart(): Promise<RunningFlinkJob>;
  /** Stops the job (and deletes the folder unless `keep`). */
  stop(keep?: boolean): Promise<void>;
  /** The last lines of the job's output, for failure messages. */
  log(): string;
}

/** Options of {@link deploy}. */
export interface DeployOptions {
  checkpointIntervalMs?: number;
  parallelism?: number;
}

/**
 * Builds `program` with unique topics (replies allowed on {@link REPLY_TOPIC}) into a
 * temporary folder and starts its job; resolves once the job runs.
 */
export async function deploy(program: Program, bootstrap: string, options: DeployOptions = {}): Promise<Deployment> {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), `stateflow-flink-${prefix}-`));
  const artifact = await buildFlinkJob(program, dir, {
    bootstrap,
    topicPrefix: prefix,
    replyTopics: REPLY_TOPIC,
    checkpointIntervalMs: options.checkpointIntervalMs ?? 200,
    parallelism: options.parallelism ?? 1,
  });
  // Each job runs in its own process group (the job's Python, the mini-cluster JVM, the
  // Python workers); the registry lets the run stop it even if this worker dies.
  const track = (j: RunningFlinkJob) => (registry.register(j.pid, `flink job ${prefix} ${dir}`), j);
  let job = track(runFlinkJob(dir));
  const log = () => {
    try {
      return readFileSync(join(dir, 'logs', 'job.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no job log)';
    }
  };
  const started = async (j: RunningFlinkJob) => {
    try {
      await j.running;
    } catch (err) {
      await j.stop();
      registry.unregister(j.pid);
      throw new Error(`${(err as Error).message}\n${log()}`);
    }
    return j;
  };
  await started(job);
  return {
    artifact,
    get job() {
      return job;
    },
    prefix,
    ingress: artifact.config.topics.ingress,
    async restart() {
      registry.unregister(job.pid);
      job = track(runFlinkJob(dir, { fromCheckpoint: 'latest', createTopics: false }));
      return started(job);
    },
    async stop(keep = false) {
      await job.stop();
      registry.unregister(job.pid);
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
    log,
  };
}
