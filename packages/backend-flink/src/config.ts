import { KAFKA_BOOTSTRAP_FORMAT, readKafkaTopics, readSettings, type BackendSettings, type Program, programSlug } from '@stateflow/ir';

/** The Kafka topics of one deployment. */
export interface FlinkTopics {
  /** Client requests (`Invoke`, `Construct`, and the `GetState` extension). */
  ingress: string;
  /** Events between entities (`Invoke`, `Read`, `Insert`, `Reply`): the job's loop. */
  internal: string;
  /** `Response` events whose `replyTo` names no Kafka topic. */
  egress: string;
  /** Ingress records that cannot be answered (no readable `replyTo`). */
  deadLetter: string;
}

/**
 * The job's configuration, written to `stateflow-job.json` in the artifact. At start,
 * `STATEFLOW_FLINK_*` environment variables and `job.py` flags override it.
 */
export interface FlinkJobConfig {
  jobName: string;
  /** Kafka bootstrap servers, e.g. `127.0.0.1:19092`. */
  bootstrap: string;
  topics: FlinkTopics;
  /** Topics `replyTo` (`kafka:<topic>`) may name besides `topics.egress`; `*` allows any. */
  replyTopics: string[];
  /** Consumer group id prefix (`-ingress` and `-internal` are appended). */
  groupId: string;
  /** Transactional id prefix of the exactly-once sinks (`-internal`, `-egress`, `-dead` appended). */
  transactionalIdPrefix: string;
  /** Kafka transaction timeout; must stay below the broker's `transaction.max.timeout.ms`. */
  transactionTimeoutMs: number;
  /**
   * Transactional ids of the internal and dead-letter sinks: `incrementing` (the connector's
   * default: a new id per checkpoint and sink subtask, each registered at the broker, which keeps
   * it until `transactional.id.expiration.ms`, 7 days by default) or `pooling` (ids reused), which
   * needs `sinks: per-output`: a sink that writes to a topic per record (the single sink, the
   * reply sink) always uses `incrementing`.
   */
  transactionNaming: FlinkTransactionNaming;
  /**
   * The exactly-once sinks: `single` (the default: every output through one sink, so one Kafka
   * transaction per checkpoint and subtask; fewer failed checkpoints, a third of the transactional
   * ids, a lower single-call latency) or `per-output` (a sink each for internal events, replies and
   * dead letters: three transactions; the shape of earlier builds, and the
   * default with `transactionNaming: pooling`, which needs it). A checkpoint restores only into a
   * job with the same setting: a deployment whose checkpoints were taken with three sinks sets
   * `per-output` to keep them.
   */
  sinks: FlinkSinkLayout;
  parallelism: number;
  /** Key groups of the keyed state: the largest parallelism a restored job can have. Never change it on a running deployment. */
  maxParallelism: number;
  /**
   * Run a hop between two instances owned by the same parallel subtask inside the operator,
   * at once, instead of through the internal topic (which waits for a checkpoint). Exactly-once either way.
   */
  localHops: boolean;
  checkpoint: {
    /** Checkpoint interval: the latency of each hop through Kafka is about this. */
    intervalMs: number;
    /** Where checkpoints are retained: a path (relative to the job folder) or a URI. */
    dir: string;
    /** How many completed checkpoints are retained. */
    retained: number;
  };
  /** Run each client request id once; every copy (a retry) gets the outcome, stored or when it arrives. */
  dedup: boolean;
  /**
   * How long dated request ids (UUIDv7) are remembered (0: forever); an older retry is
   * refused with `RequestExpired`. Other ids are remembered for good.
   */
  dedupTtlSeconds: number;
  /**
   * How many answered dated request ids each instance keeps next to its state (with a TTL);
   * a copy of an older one is refused with `RequestExpired`.
   */
  dedupWindow: number;
  /** A callee runs its caller's next block when that block needs no instance (IR `Block.detached`), and answers the client itself. */
  resumeDetached: boolean;
  /**
   * PyFlink's `python.execution-mode`. `process`: each slot's Python operators run in a Python
   * worker process (Beam's Fn API: a gRPC exchange and a bundle per stage). `thread`: they run
   * inside the TaskManager's JVM (an embedded CPython through pemja, records handed over in
   * memory; half or less of the CPU per call, but on the test cluster checkpoints took about
   * twice as long), which needs a Python built as a shared library and, on a cluster, flink-python in
   * the TaskManagers' `lib/` with `pemja.` loaded parent-first (see the Flink guide). Restoring
   * a checkpoint taken in the other mode was not tested.
   */
  executionMode: FlinkExecutionMode;
  /** Kafka consumer `fetch.max.wait.ms` of the sources. */
  fetchMaxWaitMs: number;
  /**
   * PyFlink `python.fn-execution.bundle.time` (ms): how long a Python worker holds records
   * (`process` mode). In `thread` mode the job uses Flink's 1000 ms default instead: the embedded
   * operators hand each record on at once, and the bundle timer they still run does nothing.
   */
  bundleTimeMs: number;
  /** PyFlink `python.fn-execution.bundle.size` (`process` mode; no effect in `thread` mode). */
  bundleSize: number;
  /** Network buffer timeout (ms). */
  bufferTimeoutMs: number;
  /**
   * Kafka producer `linger.ms` of the three transactional sinks (5: the Kafka 4 client's default).
   * It does not delay answers: a checkpoint flushes the sinks, so what was written before its
   * barrier is in its transaction whether sent yet or not (measured: no difference at 0).
   */
  sinkLingerMs: number;
  /**
   * Flink's changelog state backend (`state.changelog.*`, files in `<checkpoint dir>/changelog`):
   * each checkpoint writes only the state changed since the last one instead of all of it (every
   * key's value, which holds its recent request ids), and the full state every 10 minutes. Shorter
   * checkpoints, so lower latency at short intervals; costs a copy of every state write in memory
   * and in the changelog files until the next full snapshot; a restore claims its checkpoint
   * (Flink's CLAIM mode). Local runs (`python job.py`) only: under `flink run` the cluster's own
   * configuration decides. `false`: full snapshots (earlier builds).
   */
  stateChangelog: boolean;
  /** Bind every mini-cluster endpoint to 127.0.0.1 (local runs). */
  loopback: boolean;
  /** Path of the `flink-sql-connector-kafka` jar; `null`: `$FLINK_KAFKA_JAR` or the cluster's `lib/`. */
  connectorJar: string | null;
  /**
   * Further Flink options of the job (`{"execution.checkpointing.max-concurrent-checkpoints": "2"}`),
   * set after the job's own, so they win; edit them into `stateflow-job.json` (experiments, tuning).
   */
  flinkConfig?: { [option: string]: string };
}

/** Where the job's Python operators run (see {@link FlinkJobConfig.executionMode}). */
export type FlinkExecutionMode = 'process' | 'thread';

/** How the exactly-once sinks name their Kafka transactions (see {@link FlinkJobConfig.transactionNaming}). */
export type FlinkTransactionNaming = 'incrementing' | 'pooling';

/** How the job's outputs reach Kafka (see {@link FlinkJobConfig.sinks}). */
export type FlinkSinkLayout = 'single' | 'per-output';

/** The values of {@link FlinkJobConfig.sinks}. */
export const FLINK_SINK_LAYOUTS: readonly FlinkSinkLayout[] = ['single', 'per-output'];

/** The values of {@link FlinkJobConfig.transactionNaming}. */
export const FLINK_TRANSACTION_NAMINGS: readonly FlinkTransactionNaming[] = ['incrementing', 'pooling'];

/** The values of {@link FlinkJobConfig.executionMode}. */
export const FLINK_EXECUTION_MODES: readonly FlinkExecutionMode[] = ['process', 'thread'];

/** Flat overrides, as the CLI and `BackendBuildOptions.config` pass them. */
export type FlinkConfigOverrides = { [name: string]: string | number | boolean | undefined };

/**
 * The settings of the Flink backend (the override keys {@link resolveFlinkConfig}
 * accepts), as the `stateflow` CLI shows and checks them (`backend.settings`).
 */
export const FLINK_SETTINGS: BackendSettings = {
  bootstrap: { type: 'string', help: 'Kafka bootstrap servers', default: '127.0.0.1:19092', flag: 'bootstrap', placeholder: 'host:port' },
  parallelism: { type: 'integer', min: 1, help: 'job parallelism', default: 1, flag: 'parallelism' },
  maxParallelism: { type: 'integer', min: 1, help: 'key groups: the largest parallelism a restored job can have (keep it for the life of a deployment)', default: 128 },
  localHops: {
    type: 'boolean',
    help: 'run hops between instances of one subtask in place, not through Kafka (no checkpoint wait)',
    default: true,
  },
  checkpointIntervalMs: {
    type: 'integer',
    min: 10,
    help: 'checkpoint interval in ms, about the latency of each hop through Kafka',
    default: 200,
    flag: 'checkpoint-interval',
    placeholder: 'ms',
  },
  checkpointDir: { type: 'string', help: 'where checkpoints are retained (path or URI)', default: 'checkpoints', flag: 'checkpoint-dir', placeholder: 'dir' },
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
  groupId: { type: 'string', help: 'consumer group id prefix', default: 'the topic prefix' },
  transactionalIdPrefix: { type: 'string', help: 'transactional id prefix', default: 'the topic prefix' },
  transactionTimeoutMs: { type: 'integer', min: 1000, help: 'Kafka transaction timeout in ms', default: 60_000 },
  transactionNaming: {
    type: 'string',
    help: 'transactional ids of the internal and dead-letter sinks: incrementing (a new id per checkpoint) or pooling (ids reused: fewer ids at the broker; needs sinks per-output)',
    default: 'incrementing',
    placeholder: 'incrementing|pooling',
  },
  sinks: {
    type: 'string',
    help: 'exactly-once sinks: single (one for every output: one transaction per checkpoint) or per-output (a sink each for internal events, replies and dead letters; earlier versions\' shape, and the default with transactionNaming pooling); a checkpoint restores only into a job with the same setting',
    default: 'single',
    placeholder: 'single|per-output',
  },
  sinkLingerMs: {
    type: 'integer',
    min: 0,
    help: 'Kafka producer linger.ms of the exactly-once sinks (batching; answers wait for the checkpoint, which flushes the sinks, not for this)',
    default: 5,
  },
  stateChangelog: {
    type: 'boolean',
    help: "Flink's changelog state backend: a checkpoint writes only the state changed since the last one (shorter checkpoints; a copy of each state write kept until the next full snapshot, every 10 minutes; restores claim their checkpoint); local runs only, a cluster's own configuration decides under flink run",
    default: true,
  },
  dedupTtlSeconds: { type: 'integer', min: 0, help: 'how long request ids are remembered (0: forever)', default: 3600 },
  dedupWindow: { type: 'integer', min: 1, help: 'answered dated request ids each instance remembers within the TTL', default: 64 },
  resumeDetached: { type: 'boolean', help: 'a callee runs its caller\'s next block when it needs no instance, and answers the client (one Kafka trip less)', default: true },
  executionMode: {
    type: 'string',
    help: "PyFlink python.execution-mode: process (a Python worker per slot) or thread (Python inside the TaskManager's JVM: less CPU per call, slower checkpoints; see the Flink guide)",
    default: 'process',
    placeholder: 'process|thread',
  },
  jobName: { type: 'string', help: 'Flink job name', default: 'stateflow-<app>' },
  connectorJar: { type: 'string', help: 'path of the Kafka connector jar', default: '$FLINK_KAFKA_JAR', placeholder: 'path' },
};

/** The override keys {@link resolveFlinkConfig} accepts, with what they set (see `FLINK_SETTINGS`). */
export const FLINK_CONFIG_KEYS: { [key: string]: string } = Object.fromEntries(Object.entries(FLINK_SETTINGS).map(([key, s]) => [key, s.help]));

/** An override that is not valid; the message says which key and why. */
export class FlinkConfigError extends Error {
  override name = 'FlinkConfigError';
}

/** A name usable in topic names: the module name, lower case, `[a-z0-9-]` only. */
export function deploymentName(program: Program): string {
  return programSlug(program, { lowerCase: true });
}

/** The default configuration of a program's job. */
export function defaultFlinkConfig(program: Program): FlinkJobConfig {
  const prefix = `stateflow-${deploymentName(program)}`;
  return {
    jobName: prefix,
    bootstrap: '127.0.0.1:19092',
    topics: topicsFor(prefix),
    replyTopics: [],
    groupId: prefix,
    transactionalIdPrefix: prefix,
    transactionTimeoutMs: 60_000,
    transactionNaming: 'incrementing',
    sinks: 'single',
    parallelism: 1,
    maxParallelism: 128,
    localHops: true,
    checkpoint: { intervalMs: 200, dir: 'checkpoints', retained: 3 },
    dedup: true,
    dedupTtlSeconds: 3600,
    dedupWindow: 64,
    resumeDetached: true,
    executionMode: 'process',
    fetchMaxWaitMs: 50,
    bundleTimeMs: 5,
    bundleSize: 1000,
    bufferTimeoutMs: 5,
    sinkLingerMs: 5,
    stateChangelog: true,
    loopback: true,
    connectorJar: null,
  };
}

function topicsFor(prefix: string): FlinkTopics {
  return { ingress: `${prefix}-ingress`, internal: `${prefix}-internal`, egress: `${prefix}-egress`, deadLetter: `${prefix}-dead-letter` };
}

/** The default configuration with `overrides` applied (see {@link FLINK_CONFIG_KEYS}). */
export function resolveFlinkConfig(program: Program, overrides: FlinkConfigOverrides = {}): FlinkJobConfig {
  const config = defaultFlinkConfig(program);
  const fail = (message: string): FlinkConfigError => new FlinkConfigError(message);
  const read = readSettings(FLINK_SETTINGS, overrides, fail);
  const prefix = read.text('topicPrefix');
  if (prefix !== undefined) {
    config.topics = topicsFor(prefix);
    config.groupId = prefix;
    config.transactionalIdPrefix = prefix;
  }
  config.bootstrap = read.text('bootstrap', KAFKA_BOOTSTRAP_FORMAT) ?? config.bootstrap;
  config.parallelism = read.integer('parallelism') ?? config.parallelism;
  config.maxParallelism = read.integer('maxParallelism') ?? config.maxParallelism;
  if (config.parallelism > config.maxParallelism) {
    throw new FlinkConfigError(`parallelism (${config.parallelism}) must not exceed maxParallelism (${config.maxParallelism})`);
  }
  config.localHops = read.boolean('localHops') ?? config.localHops;
  config.checkpoint.intervalMs = read.integer('checkpointIntervalMs') ?? config.checkpoint.intervalMs;
  config.checkpoint.dir = read.text('checkpointDir') ?? config.checkpoint.dir;
  config.transactionTimeoutMs = read.integer('transactionTimeoutMs') ?? config.transactionTimeoutMs;
  config.sinkLingerMs = read.integer('sinkLingerMs') ?? config.sinkLingerMs;
  config.transactionNaming = read.oneOf('transactionNaming', FLINK_TRANSACTION_NAMINGS) ?? config.transactionNaming;
  // Pooling lists its transactions by topic, which only sinks with fixed topics have.
  config.sinks = read.oneOf('sinks', FLINK_SINK_LAYOUTS) ?? (config.transactionNaming === 'pooling' ? 'per-output' : config.sinks);
  if (config.transactionNaming === 'pooling' && config.sinks === 'single') {
    throw new FlinkConfigError("transactionNaming 'pooling' needs sinks 'per-output' (the single sink writes to a topic per record, whose transactions pooling cannot list)");
  }
  config.dedupTtlSeconds = read.integer('dedupTtlSeconds') ?? config.dedupTtlSeconds;
  config.dedupWindow = read.integer('dedupWindow') ?? config.dedupWindow;
  config.stateChangelog = read.boolean('stateChangelog') ?? config.stateChangelog;
  config.resumeDetached = read.boolean('resumeDetached') ?? config.resumeDetached;
  config.executionMode = read.oneOf('executionMode', FLINK_EXECUTION_MODES) ?? config.executionMode;
  config.jobName = read.text('jobName') ?? config.jobName;
  config.groupId = read.text('groupId') ?? config.groupId;
  config.transactionalIdPrefix = read.text('transactionalIdPrefix') ?? config.transactionalIdPrefix;
  config.connectorJar = read.text('connectorJar') ?? config.connectorJar;
  Object.assign(config, readKafkaTopics(read, config, fail));
  return config;
}
