import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBeamPipeline, runBeamPipeline, type BeamArtifact, type RunningBeamPipeline } from '@stateflow/backend-beam';
import type { Program } from '@stateflow/ir';
import { registry } from './engines.js';
import { REPLY_TOPIC } from './requester.js';

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
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), `stateflow-beam-${prefix}-`));
  const artifact = await buildBeamPipeline(program, dir, { bootstrap, topicPrefix: prefix, replyTopics: REPLY_TOPIC });
  // The pipeline's Python, Prism and the SDK workers are one process group; the registry
  // lets the run stop it even if this worker dies.
  const pipeline = runBeamPipeline(dir, { args: options.args ?? [] });
  registry.register(pipeline.pid, `beam pipeline ${prefix} ${dir}`);
  const log = (lines = 30) => {
    try {
      return readFileSync(join(dir, 'logs', 'pipeline.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no pipeline log)';
    }
  };
  try {
    await pipeline.running;
  } catch (err) {
    await pipeline.stop();
    registry.unregister(pipeline.pid);
    throw new Error(`${(err as Error).message}\n${log()}`);
  }
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
