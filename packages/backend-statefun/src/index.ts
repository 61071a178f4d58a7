/**
 * `@stateflow/backend-statefun`: the StateFlow backend for Flink Stateful Functions.
 * Builds a remote function service (the StateFlow kernel behind Statefun's request-reply protocol,
 * one function type per entity class, state in persisted values) and its module.yaml
 * (Kafka ingress, exactly-once Kafka egress) from the IR, and runs it locally.
 *
 * @packageDocumentation
 */
import { defineBackend } from '@stateflow/ir';
import { buildStatefunApp, STATEFUN_IR_VERSIONS, type StatefunArtifact } from './build.js';
import { STATEFUN_SETTINGS } from './config.js';
import { runStatefunApp, type RunningStatefunApp } from './run.js';

export { buildStatefunApp, StatefunBuildError } from './build.js';
export type { StatefunArtifact } from './build.js';
export { defaultStatefunConfig, resolveStatefunConfig, StatefunConfigError, STATEFUN_SETTINGS } from './config.js';
export type { StatefunAppConfig, StatefunTopics, StatefunConfigOverrides, EgressSemantic } from './config.js';
export { moduleYaml } from './module-yaml.js';
export { findStatefunEnv, StatefunEnvError } from './statefun-env.js';
export type { StatefunEnv } from './statefun-env.js';
export { runStatefunApp, latestCheckpoint, JAVA17_FLAGS } from './run.js';
export type { RunStatefunOptions, RunningStatefunApp } from './run.js';

/** The backend plugin (`stateflow build|run --target statefun`). */
export const backend = defineBackend({
  name: 'statefun',
  irVersions: STATEFUN_IR_VERSIONS,
  capabilities: { exactlyOnce: true, durableState: true, deduplicatesRequests: true, transports: ['kafka'] },
  settings: STATEFUN_SETTINGS,
  async build(program, options, ctx) {
    const artifact = await buildStatefunApp(program, options.outDir, options.config ?? {});
    ctx.log(`wrote ${artifact.outDir}: ${artifact.files.length} files (module.yaml, service.py, statefun-app.json, program.ir.json, python/, README.md)`);
    return artifact;
  },
  async run(artifact, ctx): Promise<RunningStatefunApp> {
    const app = runStatefunApp(artifact.outDir, {
      fromCheckpoint: 'latest',
      onLine: (line) => ctx.log(line),
    });
    const config = (artifact as StatefunArtifact).config;
    try {
      await app.running;
    } catch (err) {
      await app.stop();
      throw err;
    }
    ctx.log(`running: send requests to topic ${config.topics.ingress} on ${config.bootstrap}; replies on ${config.topics.egress}`);
    const clientAccess = { transport: 'kafka' as const, brokers: config.bootstrap.split(','), requestTopic: config.topics.ingress, replyTopic: config.topics.egress };
    return Object.assign(app, { clientAccess });
  },
});
