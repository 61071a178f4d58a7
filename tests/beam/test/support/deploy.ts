import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildBeamPipeline, runBeamPipeline, type BeamArtifact, type RunningBeamPipeline } from '@stateflow/backend-beam';
import { deploymentFolder, started, tailLog } from '@stateflow/engine-test-kit';
import type { Program } from '@stateflow/ir';
import { registry, REPLY_TOPIC } from './suite.js';

/** A program running as a Beam pipeline on Prism with its own topics. */
export interface Deployment {
  artifact: BeamArtifact;
  pipeline: RunningBeamPipeline;
  /** Topic prefix of this deployment. */
  prefix: string;
  ingress: string;
  /** Stops the pipeline (and deletes the folder unless `keep`). */
  stop(keep?: boolean): Promise<void>;
  /** The last lines of the pipeline's output, for failure messages. */
  log(lines?: number): string;
}

/** Options of {@link deploy}. */
export interface DeployOptions {
  /** Extra `pipeline.py` flags and Beam options. */
  args?: string[];
}

/**
 * Builds `program` with unique topics (replies allowed on {@link REPLY_TOPIC}) into a
 * temporary folder and starts its pipeline on Prism; resolves once it runs.
 */
export async function deploy(program: Program, bootstrap: string, options: DeployOptions = {}): Promise<Deployment> {
  const { prefix, dir } = deploymentFolder('beam');
  const artifact = await buildBeamPipeline(program, dir, { bootstrap, topicPrefix: prefix, replyTopics: REPLY_TOPIC });
  // The pipeline's Python, Prism and the SDK workers are one process group; the registry
  // lets the run stop it even if this worker dies.
  const pipeline = runBeamPipeline(dir, { args: options.args ?? [] });
  registry.register(pipeline.pid, `beam pipeline ${prefix} ${dir}`);
  const log = (lines = 30) => tailLog(join(dir, 'logs', 'pipeline.log'), lines);
  await started(pipeline, { forget: () => registry.unregister(pipeline.pid), log: () => log() });
  return {
    artifact,
    pipeline,
    prefix,
    ingress: artifact.config.topics.ingress,
    async stop(keep = false) {
      await pipeline.stop();
      registry.unregister(pipeline.pid);
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
    log,
  };
}
