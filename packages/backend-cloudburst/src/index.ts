/**
 * `@stateflow/backend-cloudburst`: the StateFlow backend for Cloudburst. Builds a
 * Cloudburst function (the unchanged kernel running each request's whole call chain,
 * instance state in Anna as the IR's JSON encoding) with its registration script, and
 * runs Anna and Cloudburst locally behind a small gateway that speaks the Lambda Invoke API.
 *
 * @packageDocumentation
 */
import { defineBackend } from '@stateflow/ir';
import { buildCloudburstDeployment, CLOUDBURST_IR_VERSIONS } from './build.js';
import { CLOUDBURST_SETTINGS } from './config.js';
import { runCloudburstLocally } from './run.js';

export { buildCloudburstDeployment, readCloudburstConfig, CloudburstBuildError, CLOUDBURST_IR_VERSIONS } from './build.js';
export type { CloudburstArtifact } from './build.js';
export { resolveCloudburstConfig, CloudburstConfigError, CLOUDBURST_SETTINGS } from './config.js';
export type { CloudburstConfig, CloudburstConfigOverrides } from './config.js';
export { findCloudburstEnv, CloudburstEnvError } from './cloudburst-env.js';
export type { CloudburstEnv } from './cloudburst-env.js';
export { runCloudburstLocally } from './run.js';
export type { RunCloudburstOptions, RunningCloudburst } from './run.js';
export type { ProcessGroup } from '@stateflow/process-group';

/** The backend plugin (`stateflow build|run --target cloudburst`). */
export const backend = defineBackend({
  name: 'cloudburst',
  irVersions: CLOUDBURST_IR_VERSIONS,
  // Anna is in memory in local mode and last-writer-wins: no exactly-once, no durability.
  capabilities: { exactlyOnce: false, durableState: false, deduplicatesRequests: true, transports: ['lambda'] },
  settings: CLOUDBURST_SETTINGS,
  async build(program, options, ctx) {
    const artifact = await buildCloudburstDeployment(program, options.outDir, options.config ?? {});
    ctx.log(`wrote ${artifact.outDir}: function/ (stateflow_cloudburst, the kernel, the program), README.md`);
    return artifact;
  },
  async run(artifact, ctx) {
    const running = await runCloudburstLocally(artifact.outDir);
    ctx.log(`running: Anna, Cloudburst (scheduler 127.0.0.1:5000, one executor), DAG ${running.functionName}; gateway at ${running.endpoint} (Lambda Invoke API); logs in ${running.runDir}`);
    return running;
  },
});
