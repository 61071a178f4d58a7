/**
 * `@stateflow/backend-flink`: the StateFlow backend for Apache Flink. Builds a PyFlink
 * job (Kafka sources and sinks, one keyed operator running the StateFlow kernel with
 * state in Flink keyed state, exactly-once) from the IR, and runs it locally.
 *
 * @packageDocumentation
 */
import { defineBackend } from '@stateflow/ir';
import { buildFlinkJob, FLINK_IR_VERSIONS, type FlinkArtifact } from './build.js';
import { FLINK_SETTINGS } from './config.js';
import { runFlinkJob, type RunningFlinkJob } from './run.js';

export { buildFlinkJob, FlinkBuildError } from './build.js';
export type { FlinkArtifact } from './build.js';
export { defaultFlinkConfig, resolveFlinkConfig, FlinkConfigError, FLINK_CONFIG_KEYS } from './config.js';
export type { FlinkJobConfig, FlinkTopics, FlinkConfigOverrides, FlinkExecutionMode, FlinkTransactionNaming, FlinkSinkLayout } from './config.js';
export { findFlinkEnv, FlinkEnvError } from './flink-env.js';
export type { FlinkEnv } from './flink-env.js';
export { runFlinkJob } from './run.js';
export type { RunFlinkJobOptions, RunningFlinkJob } from './run.js';

/** The backend plugin (`stateflow build|run --target flink`). */
export const backend = defineBackend({
  name: 'flink',
  irVersions: FLINK_IR_VERSIONS,
  capabilities: { exactlyOnce: true, durableState: true, deduplicatesRequests: true, transports: ['kafka'] },
  settings: FLINK_SETTINGS,
  async build(program, options, ctx) {
    const artifact = await buildFlinkJob(program, options.outDir, options.config ?? {});
    ctx.log(`wrote ${artifact.outDir}: ${artifact.files.length} files (job.py, stateflow-job.json, program.ir.json, python/, README.md)`);
    return artifact;
  },
  async run(artifact, ctx): Promise<RunningFlinkJob> {
    const job = runFlinkJob(artifact.outDir, {
      fromCheckpoint: 'latest',
      onLine: (line) => {
        if (/^(TOPICS|RESTORE|JOB_RUNNING|JOB_ERROR|JOB_ENDED|JOB_CANCELLED)/.test(line)) ctx.log(line);
      },
    });
    const config = (artifact as FlinkArtifact).config;
    await job.running;
    ctx.log(`running: send requests to topic ${config.topics.ingress} on ${config.bootstrap}; replies on ${config.topics.egress}`);
    const clientAccess = { transport: 'kafka' as const, brokers: config.bootstrap.split(','), requestTopic: config.topics.ingress, replyTopic: config.topics.egress };
    return Object.assign(job, { clientAccess });
  },
});
