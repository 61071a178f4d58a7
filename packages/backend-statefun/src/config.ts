import { KAFKA_BOOTSTRAP_FORMAT, readKafkaTopics, readSettings, type BackendSettings, type Program, programSlug } from '@stateflow/ir';

/** The Kafka topics of one deployment (events between entities are Statefun messages, not a topic). */
export interface StatefunTopics {
  /** Client requests (`Invoke`, `Construct`, and the `GetState` extension). */
  ingress: string;
  /** `Response` events whose `replyTo` names no Kafka topic. */
  egress: string;
  /** Ingress records that cannot be answered (no readable `replyTo`). */
  deadLetter: string;
}

/** How the Kafka egress writes replies. */
export type EgressSemantic = 'exactly-once' | 'at-least-once';

/** The application's settings, written to `statefun-app.json` (and rendered into `module.yaml`). */
export interface StatefunAppConfig {
  appName: string;
  /** Kafka bootstrap servers, e.g. `127.0.0.1:19092`. */
  bootstrap: string;
  topics: StatefunTopics;
  /** Topics `replyTo` (`kafka:<topic>`) may name besides `topics.egress`; `*` allows any. */
  replyTopics: string[];
  /** Consumer group of the ingress. */
  groupId: string;
  /** `exactly-once`: replies are visible once the checkpoint after them completes (read_committed); `at-least-once`: at once. */
  egressSemantic: EgressSemantic;
  /** Kafka transaction timeout of the exactly-once egress; below the broker's `transaction.max.timeout.ms`. */
  transactionTimeoutMs: number;
  parallelism: number;
  checkpoint: {
    intervalMs: number;
    /** Where checkpoints are retained: a path (relative to the artifact) or a URI. */
    dir: string;
    retained: number;
  };
  /** Run each client request id once; a retry gets the outcome. */
  dedup: boolean;
  /** How long dated request ids (UUIDv7) are remembered (0: forever). */
  dedupTtlSeconds: number;
  /** At most this many request ids are remembered per instance (the oldest are forgotten first). */
  dedupWindow: number;
  /** A callee runs its caller's next block when that block needs no instance (IR `Block.detached`), and answers the client itself. */
  resumeDetached: boolean;
  /** Where the function service listens; module.yaml points Statefun there. */
  service: { host: string; port: number };
  /** Ingress and egress identifiers of module.yaml. */
  ingressId: string;
  egressId: string;
}

/** Flat overrides, as the CLI and `BackendBuildOptions.config` pass them. */
export type StatefunConfigOverrides = { [name: string]: string | number | boolean | undefined };

/** The settings of the Statefun backend, as the `stateflow` CLI shows and checks them. */
export const STATEFUN_SETTINGS: BackendSettings = {
  bootstrap: { type: 'string', help: 'Kafka bootstrap servers', default: '127.0.0.1:19092', flag: 'bootstrap', placeholder: 'host:port' },
  parallelism: { type: 'integer', min: 1, help: 'job parallelism', default: 1, flag: 'parallelism' },
  checkpointIntervalMs: {
    type: 'integer',
    min: 10,
    help: 'checkpoint interval in ms; with exactly-once egress, about the latency a reply waits',
    default: 200,
    flag: 'checkpoint-interval',
    placeholder: 'ms',
  },
  checkpointDir: { type: 'string', help: 'where checkpoints are retained (path or URI)', default: 'checkpoints', flag: 'checkpoint-dir', placeholder: 'dir' },
  topicPrefix: { type: 'string', help: 'prefix of the topics <p>-ingress, <p>-egress, <p>-dead-letter', default: 'stateflow-<app>', flag: 'topic-prefix', placeholder: 'p' },
  ingressTopic: { type: 'string', help: 'ingress topic (client requests)', placeholder: 'topic' },
  egressTopic: { type: 'string', help: 'egress topic (responses without a reply topic)', placeholder: 'topic' },
  deadLetterTopic: { type: 'string', help: 'dead-letter topic', placeholder: 'topic' },
  replyTopics: { type: 'list', help: 'extra topics replies may go to (* for any)', placeholder: 'topic,...' },
  groupId: { type: 'string', help: 'consumer group of the ingress', default: 'the topic prefix' },
  egressSemantic: { type: 'string', help: 'exactly-once (replies wait for a checkpoint) or at-least-once', default: 'exactly-once', placeholder: 'semantic' },
  transactionTimeoutMs: { type: 'integer', min: 1000, help: 'Kafka transaction timeout of the egress in ms', default: 60_000 },
  dedupTtlSeconds: { type: 'integer', min: 0, help: 'how long request ids are remembered (0: forever)', default: 3600 },
  dedupWindow: { type: 'integer', min: 1, help: 'request ids remembered per instance at most', default: 1000 },
  resumeDetached: { type: 'boolean', help: 'a callee runs its caller\'s next block when it needs no instance, and answers the client (one function call less on the client\'s path)', default: true },
  serviceHost: { type: 'string', help: 'host the function service listens on (and Statefun calls)', default: '127.0.0.1', placeholder: 'host' },
  servicePort: { type: 'integer', min: 1, help: 'port of the function service', default: 18000, flag: 'service-port', placeholder: 'port' },
};

/** An override that is not valid; the message says which key and why. */
export class StatefunConfigError extends Error {
  override name = 'StatefunConfigError';
}

/** A name usable in topic names: the module name, lower case, `[a-z0-9-]` only. */
export function deploymentName(program: Program): string {
  return programSlug(program, { lowerCase: true });
}

const topicsFor = (prefix: string): StatefunTopics => ({ ingress: `${prefix}-ingress`, egress: `${prefix}-egress`, deadLetter: `${prefix}-dead-letter` });

/** The default settings of a program's application. */
export function defaultStatefunConfig(program: Program): StatefunAppConfig {
  const prefix = `stateflow-${deploymentName(program)}`;
  return {
    appName: prefix,
    bootstrap: '127.0.0.1:19092',
    topics: topicsFor(prefix),
    replyTopics: [],
    groupId: prefix,
    egressSemantic: 'exactly-once',
    transactionTimeoutMs: 60_000,
    parallelism: 1,
    checkpoint: { intervalMs: 200, dir: 'checkpoints', retained: 3 },
    dedup: true,
    resumeDetached: true,
    dedupTtlSeconds: 3600,
    dedupWindow: 1000,
    service: { host: '127.0.0.1', port: 18000 },
    ingressId: 'stateflow/requests',
    egressId: 'stateflow/replies',
  };
}

/** The defaults with `overrides` applied (keys: {@link STATEFUN_SETTINGS}). */
export function resolveStatefunConfig(program: Program, overrides: StatefunConfigOverrides = {}): StatefunAppConfig {
  const config = defaultStatefunConfig(program);
  const fail = (message: string): StatefunConfigError => new StatefunConfigError(message);
  const read = readSettings(STATEFUN_SETTINGS, overrides, fail);
  const prefix = read.text('topicPrefix');
  if (prefix !== undefined) {
    config.appName = prefix;
    config.topics = topicsFor(prefix);
    config.groupId = prefix;
  }
  config.bootstrap = read.text('bootstrap', KAFKA_BOOTSTRAP_FORMAT) ?? config.bootstrap;
  config.parallelism = read.integer('parallelism') ?? config.parallelism;
  config.checkpoint.intervalMs = read.integer('checkpointIntervalMs') ?? config.checkpoint.intervalMs;
  config.checkpoint.dir = read.text('checkpointDir') ?? config.checkpoint.dir;
  config.transactionTimeoutMs = read.integer('transactionTimeoutMs') ?? config.transactionTimeoutMs;
  config.dedupTtlSeconds = read.integer('dedupTtlSeconds') ?? config.dedupTtlSeconds;
  config.dedupWindow = read.integer('dedupWindow') ?? config.dedupWindow;
  config.resumeDetached = read.boolean('resumeDetached') ?? config.resumeDetached;
  config.groupId = read.text('groupId') ?? config.groupId;
  config.service.host = read.text('serviceHost') ?? config.service.host;
  config.service.port = read.integer('servicePort', { max: 65535 }) ?? config.service.port;
  config.egressSemantic = read.oneOf('egressSemantic', ['exactly-once', 'at-least-once'] as const) ?? config.egressSemantic;
  Object.assign(config, readKafkaTopics(read, config, fail));
  return config;
}
