/**
 * `@stateflow/backend-lambda`: the StateFlow backend for AWS Lambda. Builds a function
 * package (the unchanged kernel, state in DynamoDB, each request's call chain in one
 * invocation committed by one optimistic transaction) and an AWS SAM template from the
 * IR, and runs it locally on a pool of Lambda runtime interface emulators.
 *
 * @packageDocumentation
 */
import { defineBackend } from '@stateflow/ir';
import { buildLambdaFunction, LAMBDA_IR_VERSIONS } from './build.js';
import { LAMBDA_SETTINGS } from './config.js';
import { runLambdaLocally } from './run.js';

export { buildLambdaFunction, readLambdaConfig, LambdaBuildError, LAMBDA_IR_VERSIONS } from './build.js';
export type { LambdaArtifact } from './build.js';
export { resolveLambdaConfig, LambdaConfigError, LAMBDA_SETTINGS } from './config.js';
export type { LambdaConfig, LambdaConfigOverrides } from './config.js';
export { samTemplate } from './template.js';
export { findLambdaEnv, LambdaEnvError } from './lambda-env.js';
export type { LambdaEnv } from './lambda-env.js';
export { runLambdaLocally } from './run.js';
export type { RunLambdaOptions, RunningLambda } from './run.js';
export { Dispatcher } from './dispatcher.js';
export { Emulator } from './emulator.js';
export type { EmulatorSpec } from './emulator.js';
export type { ProcessGroup } from '@stateflow/process-group';
export { startLocalStore, createStateTable } from './store.js';
export type { LocalStore } from './store.js';

/** The backend plugin (`stateflow build|run --target lambda`). */
export const backend = defineBackend({
  name: 'lambda',
  irVersions: LAMBDA_IR_VERSIONS,
  // Each request's effects commit once, atomically with its dedupe record; state is in DynamoDB.
  capabilities: { exactlyOnce: true, durableState: true, deduplicatesRequests: true, transports: ['lambda'] },
  settings: LAMBDA_SETTINGS,
  async build(program, options, ctx) {
    const artifact = await buildLambdaFunction(program, options.outDir, options.config ?? {});
    ctx.log(`wrote ${artifact.outDir}: function/ (handler.handler, the kernel, the program), template.json (AWS SAM), README.md`);
    return artifact;
  },
  async run(artifact, ctx) {
    const running = await runLambdaLocally(artifact.outDir);
    ctx.log(`running: ${running.dispatcher.emulators.length} emulators; invoke function ${running.functionName} at ${running.endpoint} (Lambda Invoke API; state in ${running.storeEndpoint}, table ${running.tableName})`);
    return running;
  },
});
