/**
 * `@stateflow/backend-template`: a small, complete StateFlow backend to copy when
 * writing a new one. `backend` is the plugin the `stateflow` CLI loads for
 * `--target template`; `TemplateEngine` is the engine that runs what `build` wrote.
 *
 * @packageDocumentation
 */
import { defineBackend } from '@stateflow/ir';
import { buildArtifact, TEMPLATE_SETTINGS } from './build.js';
import { TEMPLATE_IR_VERSIONS } from './check-program.js';

export { buildArtifact, readArtifact, resolveConfig, DEFAULT_CONFIG, TEMPLATE_SETTINGS, TemplateConfigError } from './build.js';
export type { TemplateConfig } from './build.js';
export { checkProgram, InvalidProgramError, TEMPLATE_IR_VERSIONS } from './check-program.js';
export { TemplateEngine } from './engine.js';
export type { EngineOptions, CallOptions, Args, Kwargs } from './engine.js';
export { KernelProcess, KernelError } from './kernel-process.js';
export type { KernelRequest, KernelResult } from './kernel-process.js';

/**
 * The backend plugin. The package name `@stateflow/backend-template` plus this export
 * named `backend` is all the CLI needs: `stateflow build app.py --target template --out dir`.
 */
export const backend = defineBackend({
  name: 'template',
  irVersions: TEMPLATE_IR_VERSIONS,
  // Say what you guarantee, and no more. One process with state in memory: no durable
  // state and no exactly-once across crashes; client request ids are deduplicated while
  // the engine runs; clients reach it only in-process (no network transport).
  capabilities: { exactlyOnce: false, durableState: false, deduplicatesRequests: true, transports: ['in-process'] },
  // The settings `build` reads from `options.config`; the CLI shows and checks them.
  settings: TEMPLATE_SETTINGS,
  async build(program, options, ctx) {
    const artifact = await buildArtifact(program, options);
    ctx.log(`wrote ${artifact.outDir}: ${artifact.files.join(', ')}`);
    return artifact;
  },
  // `run` is optional: this engine has no transport a separate client could use, so
  // `stateflow run --target template` is not offered. Start it in-process instead:
  // `await TemplateEngine.fromArtifact(outDir)`.
});
