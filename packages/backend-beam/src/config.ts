import { KAFKA_BOOTSTRAP_FORMAT, readKafkaTopics, readSettings, type BackendSettings, type Program, programSlug } from '@stateflow/ir';

/** The Kafka topics of one deployment. */
export interface BeamTopics {
  /** Client requests (`Invoke`, `Construct`, and the `GetState` extension). */
  ingress: string;
  /** Events between entities (`Invoke`, `Read`, `Insert`, `Reply`): the pipeline's loop. */
  internal: string;
  /** `Response` events whose `replyTo` names no Kafka topic. */
  egress: string;
  /** Ingress records that cannot be answered (no readable `replyTo`). */
  deadLetter: string;
}

/**
 * The pipeline's configuration, written to `stateflow-pipeline.json` in the artifact. At
 * start, `STATEFLOW_BEAM_*` environment variables and `pipeline.py` flags override it.
 */
export interface BeamPipelineConfig {
  jobName: string;
  /** Kafka bootstrap servers, e.g. `127.0.0.1:19092`. */
  bootstrap: string;
  topics: BeamTopics;
  /** Topics `replyTo` (`kafka:<topic>`) may name besides `topics.egress`; `*` allows any. */
  replyTopics: string[];
  /** Run each client request id once and answer every copy (a request table in each key's state). */
  dedup: boolean;
  /**
   * How long dated request ids (UUIDv7) are remembered (0: forever); an older retry is
   * refused with `RequestExpired`. Other ids are remembered for good.
   */
  dedupTtlSeconds: number;
  /** How long one read of a partition waits for records (ms): about the latency each hop adds when idle. */
  pollMs: number;
  /** Most records one read claims. */
  maxPollRecords: number;
  /** One stateful step per entity class (else one step for all classes: fewer stages). */
  stepPerEntity: boolean;
  /**
   * Let a callee run its caller's next block when that block needs no instance (an IR
   * block marked `detached`, e.g. a transfer's `return True` after `to.deposit(x)`), and
   * answer the client from there: one trip through Kafka less. The answer is recorded
   * where it is made; a copy of the request follows the request there (a `Query`).
   */
  resumeDetached: boolean;
  /** Path of the Prism binary; `null`: `$STATEFLOW_BEAM_PRISM` or `--prism` at start. */
  prism: string | null;
}

/** Flat overrides, as the CLI and `BackendBuildOptions.config` pass them. */
export type BeamConfigOverrides = { [name: string]: string | number | boolean | undefined };

/**
 * The settings of the Beam backend (the override keys {@link resolveBeamConfig} accepts),
 * as the `stateflow` CLI shows and checks them (`backend.settings`).
 */
export const BEAM_SETTINGS: BackendSettings = {
  bootstrap: { type: 'string', help: 'Kafka bootstrap servers', default: '127.0.0.1:19092', flag: 'bootstrap', placeholder: 'host:port' },
  topicPrefix: {
    type: 'string',
    help: 'prefix of the topics <p>-ingress, <p>-internal, <p>-egress, <p>-dead-letter',
    default: 'stateflow-<app>',
    flag: 'topic-prefix',
    placeholder: 'p',
  },
  ingressTopic: { type: 'string', help: 'ingress topic (client requests)', placeholder: 'topic' },
  internalTopic: { type: 'string', help: 'internal topic (events between entities)', placeholder: 'topic' },
  egressTopic: { type: 'string', help: 'egress topic (responses without a reply topic)', placeholder: 'topic' },
  deadLetterTopic: { type: 'string', help: 'dead-letter topic', placeholder: 'topic' },
  replyTopics: { type: 'list', help: 'extra topics replies may go to (* for any)', placeholder: 'topic,...' },
  dedup: { type: 'boolean', help: 'run each request id once, answer every copy (a request table in each key\'s state)', default: true },
  dedupTtlSeconds: { type: 'integer', min: 0, help: 'how long request ids are remembered (0: forever)', default: 3600 },
  pollMs: { type: 'integer', min: 1, help: 'how long one Kafka read waits for records, in ms', default: 20, flag: 'poll-ms', placeholder: 'ms' },
  stepPerEntity: { type: 'boolean', help: 'one stateful step per entity class (false: one step for all)', default: true },
  resumeDetached: { type: 'boolean', help: 'a callee runs its caller\'s next block when it needs no instance, and answers (one Kafka trip less)', default: true },
  jobName: { type: 'string', help: 'Beam job name', default: 'stateflow-<app>' },
  prism: { type: 'string', help: 'path of the Prism binary', default: '$STATEFLOW_BEAM_PRISM', placeholder: 'path' },
};

/** An override that is not valid; the message says which key and why. */
export class BeamConfigError extends Error {
  override name = 'BeamConfigError';
}

/** A name usable in topic names: the module name, lower case, `[a-z0-9-]` only. */
export function deploymentName(program: Program): string {
  return programSlug(program, { lowerCase: true });
}

function topicsFor(prefix: string): BeamTopics {
  return { ingress: `${prefix}-ingress`, internal: `${prefix}-internal`, egress: `${prefix}-egress`, deadLetter: `${prefix}-dead-letter` };
}

/** The default configuration of a program's pipeline. */
export function defaultBeamConfig(program: Program): BeamPipelineConfig {
  const prefix = `stateflow-${deploymentName(program)}`;
  return {
    jobName: prefix,
    bootstrap: '127.0.0.1:19092',
    topics: topicsFor(prefix),
    replyTopics: [],
    dedup: true,
    dedupTtlSeconds: 3600,
    pollMs: 20,
    maxPollRecords: 500,
    stepPerEntity: true,
    resumeDetached: true,
    prism: null,
  };
}

/** The default configuration with `overrides` applied (see {@link BEAM_SETTINGS}). */
export function resolveBeamConfig(program: Program, overrides: BeamConfigOverrides = {}): BeamPipelineConfig {
  const config = defaultBeamConfig(program);
  const fail = (message: string): BeamConfigError => new BeamConfigError(message);
  const read = readSettings(BEAM_SETTINGS, overrides, fail);
  const prefix = read.text('topicPrefix');
  if (prefix !== undefined) config.topics = topicsFor(prefix);
  config.bootstrap = read.text('bootstrap', KAFKA_BOOTSTRAP_FORMAT) ?? config.bootstrap;
  config.dedupTtlSeconds = read.integer('dedupTtlSeconds') ?? config.dedupTtlSeconds;
  config.dedup = read.boolean('dedup') ?? config.dedup;
  config.stepPerEntity = read.boolean('stepPerEntity') ?? config.stepPerEntity;
  config.resumeDetached = read.boolean('resumeDetached') ?? config.resumeDetached;
  config.pollMs = read.integer('pollMs') ?? config.pollMs;
  config.jobName = read.text('jobName') ?? config.jobName;
  config.prism = read.text('prism') ?? config.prism;
  Object.assign(config, readKafkaTopics(read, config, fail));
  return config;
}
