import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFlinkJob, runFlinkJob, type FlinkArtifact, type FlinkConfigOverrides, type RunningFlinkJob } from '@stateflow/backend-flink';
import { deploymentFolder, started, tailLog } from '@stateflow/engine-test-kit';
import type { Program } from '@stateflow/ir';
import { registry, REPLY_TOPIC } from './suite.js';

/** A program running as a PyFlink job with its own topics. */
export interface Deployment {
  artifact: FlinkArtifact;
  job: RunningFlinkJob;
  /** Topic prefix of this deployment. */
  prefix: string;
  /** The job's folder (`job.py`, `stateflow-job.json`, checkpoints). */
  dir: string;
  ingress: string;
  /** The dead-letter topic. */
  deadLetter: string;
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
  /** Edits the built `job.py` before the first start (a job of another shape, for upgrade tests). */
  editJob?: (jobPy: string) => string;
  /** Further settings of the build (`stateflow-job.json`), e.g. `sinks`. */
  overrides?: FlinkConfigOverrides;
}

/**
 * Builds `program` with unique topics (replies allowed on {@link REPLY_TOPIC}) into a
 * temporary folder and starts its job; resolves once the job runs.
 */
export async function deploy(program: Program, bootstrap: string, options: DeployOptions = {}): Promise<Deployment> {
  const { prefix, dir } = deploymentFolder('flink');
  const artifact = await buildFlinkJob(program, dir, {
    bootstrap,
    topicPrefix: prefix,
    replyTopics: REPLY_TOPIC,
    checkpointIntervalMs: options.checkpointIntervalMs ?? 200,
    parallelism: options.parallelism ?? 1,
    ...options.overrides,
  });
  // Each job runs in its own process group (the job's Python, the mini-cluster JVM, the
  // Python workers); the registry lets the run stop it even if this worker dies.
  const track = (j: RunningFlinkJob) => (registry.register(j.pid, `flink job ${prefix} ${dir}`), j);
  const log = () => tailLog(join(dir, 'logs', 'job.log'));
  const waitRunning = (j: RunningFlinkJob) => started(j, { forget: () => registry.unregister(j.pid), log });
  if (options.editJob) writeFileSync(join(dir, 'job.py'), options.editJob(readFileSync(join(dir, 'job.py'), 'utf8')));
  let job = await waitRunning(track(runFlinkJob(dir)));
  return {
    artifact,
    get job() {
      return job;
    },
    prefix,
    dir,
    ingress: artifact.config.topics.ingress,
    deadLetter: artifact.config.topics.deadLetter,
    async restart() {
      registry.unregister(job.pid);
      job = track(runFlinkJob(dir, { fromCheckpoint: 'latest', createTopics: false }));
      return waitRunning(job);
    },
    async stop(keep = false) {
      await job.stop();
      registry.unregister(job.pid);
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
    log,
  };
}
