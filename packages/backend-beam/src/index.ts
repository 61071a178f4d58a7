/**
 * `@stateflow/backend-beam`: the StateFlow backend for Apache Beam. Builds a Beam Python
 * streaming pipeline (Kafka read through a splittable DoFn, one stateful step per entity
 * class running the StateFlow kernel with state in Beam state, each request run and
 * answered once) from the IR, and runs it on Prism, Beam's portable local runner.
 *
 * @packageDocumentation
 */
import { defineBackend } from '@stateflow/ir';
import { BEAM_IR_VERSIONS, buildBeamPipeline, type BeamArtifact } from './build.js';
import { BEAM_SETTINGS } from './config.js';
import { runBeamPipeline, type RunningBeamPipeline } from './run.js';

export { buildBeamPipeline, BeamBuildError, BEAM_IR_VERSIONS, pipelineTemplateDir } from './build.js';
export type { BeamArtifact } from './build.js';
export { defaultBeamConfig, resolveBeamConfig, BeamConfigError, BEAM_SETTINGS } from './config.js';
export type { BeamPipelineConfig, BeamTopics, BeamConfigOverrides } from './config.js';
export { findBeamEnv, BeamEnvError } from './beam-env.js';
export type { BeamEnv } from './beam-env.js';
export { runBeamPipeline } from './run.js';
export type { RunBeamPipelineOptions, RunningBeamPipeline } from './run.js';

/** The backend plugin (`stateflow build|run --target beam`). */
export const backend = defineBackend({
  name: 'beam',
  irVersions: BEAM_IR_VERSIONS,
  // Prism keeps state in memory: a restart starts empty (production runners checkpoint it).
  capabilities: { exactlyOnce: false, durableState: false, deduplicatesRequests: true, transports: ['kafka'] },
  settings: BEAM_SETTINGS,
  async build(program, options, ctx) {
    const artifact = await buildBeamPipeline(program, options.outDir, options.config ?? {});
    ctx.log(`wrote ${artifact.outDir}: ${artifact.files.length} files (pipeline.py, stateflow-pipeline.json, python/ with the kernel and the program, setup.py, README.md)`);
    return artifact;
  },
  async run(artifact, ctx): Promise<RunningBeamPipeline> {
    const pipeline = runBeamPipeline(artifact.outDir, {
      onLine: (line) => {
        if (/^(TOPICS|OFFSETS|PIPELINE_RUNNING|PIPELINE_ERROR|PIPELINE_ENDED|PIPELINE_CANCELLED)/.test(line)) ctx.log(line);
      },
    });
    const config = (artifact as BeamArtifact).config;
    await pipeline.running;
    ctx.log(`running on Prism: send requests to topic ${config.topics.ingress} on ${config.bootstrap}; replies on ${config.topics.egress}`);
    const clientAccess = { transport: 'kafka' as const, brokers: config.bootstrap.split(','), requestTopic: config.topics.ingress, replyTopic: config.topics.egress };
    return Object.assign(pipeline, { clientAccess });
  },
});
