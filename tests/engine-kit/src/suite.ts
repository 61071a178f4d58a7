import { onInterrupt, pidRegistry, runScript, type PidRegistry } from '@stateflow/engine-harness';
import type { Kafka } from 'kafkajs';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startKafka, type KafkaBroker } from './kafka-broker.js';
import { KafkaRequester, readTopic } from './requester.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Kafka bootstrap address of the run (`inject('bootstrap')`). */
    bootstrap: string;
  }
}

/** A script of `tools/engines` a suite needs run before it starts (idempotent, cached). */
export interface SetupScript {
  /** Path relative to `tools/engines`, e.g. `flink/setup.sh`. */
  script: string;
  args?: string[];
  /** @default 900_000 (a cold download) */
  timeoutMs?: number;
}

/** What is an engine suite's own; everything else {@link defineEngineSuite} derives. */
export interface EngineSuiteOptions {
  /**
   * The engine, lower case (`flink`). Names the suite (`flink-tests`: log prefix, client
   * ids), its reply topic (`flink-tests-replies`) and its environment variables
   * (`STATEFLOW_FLINK_TEST_KAFKA_PORT`, `STATEFLOW_FLINK_TEST_BOOTSTRAP`).
   */
  engine: string;
  /** The suite's Kafka port (controller: +1), away from the other suites' and benchmarks' ports. */
  kafkaPort: number;
  /** The engine's set-up scripts, run after `kafka/fetch.sh`. */
  setup: SetupScript[];
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** An engine suite's run: its Kafka broker, pid registry and Kafka helpers. */
export interface EngineSuite {
  /** `<engine>-tests`. */
  readonly name: string;
  /** The topic every deployment of the run answers on: `<engine>-tests-replies`. */
  readonly replyTopic: string;
  /** `STATEFLOW_<ENGINE>_TEST_KAFKA_PORT`, else the suite's own. */
  readonly kafkaPort: number;
  /**
   * Every process group the run starts (Kafka, each deployment, `stateflow run`), reaped
   * when the run ends or the next one starts. Named after the port
   * (`$STATEFLOW_CACHE/run/pids/<engine>-tests-<port>/`): two runs of one suite at once
   * must use two ports, and then neither reaps the other's processes.
   */
  readonly registry: PidRegistry;
  /** Writes `[<engine>-tests] message` to stderr. */
  log(message: string): void;
  /** Fetches Kafka and sets up the engine (cached: well under a second when done before). */
  setupEngines(): Promise<void>;
  /** Starts a fresh broker on {@link kafkaPort}, recorded in {@link registry}. */
  startKafka(): Promise<KafkaBroker>;
  /** `KafkaRequester` with this suite's reply topic and client ids. */
  readonly requester: { connect(bootstrap: string): Promise<KafkaRequester> };
  /** {@link readTopic} with this suite's consumer group names. */
  readTopic(kafka: Kafka, topic: string, count: number, timeoutMs?: number): Promise<string[]>;
  /**
   * Vitest's global setup (`export default suite.globalSetup`): one Kafka broker for the
   * whole run, provided as `bootstrap`, or the broker of `STATEFLOW_<ENGINE>_TEST_BOOTSTRAP`
   * (which the caller runs and stops). What a killed earlier run left is stopped first;
   * at the end, or on Ctrl-C / SIGTERM of the runner, every deployment still running and
   * the broker are stopped.
   */
  globalSetup(project: TestProject): Promise<() => Promise<void>>;
}

/** An environment variable of the suite: `STATEFLOW_<ENGINE>_TEST_<what>`. */
export function suiteEnvName(engine: string, what: string): string {
  return `STATEFLOW_${engine.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_TEST_${what}`;
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65534) throw new Error(`${name} must be a TCP port from 1 to 65534 (the controller takes the next one), not '${text}'`);
  return port;
}

/** The shared machinery of an engine suite, configured with what is the engine's own. */
export function defineEngineSuite(options: EngineSuiteOptions): EngineSuite {
  const env = options.env ?? process.env;
  const name = `${options.engine}-tests`;
  const kafkaPort = portFrom(env, suiteEnvName(options.engine, 'KAFKA_PORT'), options.kafkaPort);
  const registry = pidRegistry(`${name}-${kafkaPort}`, env);
  const replyTopic = `${name}-replies`;
  const log = (message: string) => void process.stderr.write(`[${name}] ${message}\n`);

  const setupEngines = async () => {
    const t0 = Date.now();
    await runScript('kafka/fetch.sh');
    for (const { script, args = [], timeoutMs } of options.setup) await runScript(script, args, timeoutMs === undefined ? {} : { timeoutMs });
    log(`engines ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };

  const globalSetup = async (project: TestProject): Promise<() => Promise<void>> => {
    const leftovers = await registry.reap(log);
    if (leftovers > 0) log(`stopped ${leftovers} process group(s) an earlier run left running`);
    await setupEngines();
    const existing = env[suiteEnvName(options.engine, 'BOOTSTRAP')];
    if (existing) {
      // A broker the caller runs (and stops): quicker runs while working on a backend.
      log(`using the Kafka broker at ${existing}`);
      project.provide('bootstrap', existing);
      return async () => void (await registry.reap(log));
    }
    const t0 = Date.now();
    const broker = await startKafka({ port: kafkaPort, registry, name: options.engine });
    log(`Kafka on ${broker.bootstrap} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    project.provide('bootstrap', broker.bootstrap);
    const stop = async () => {
      // First the deployments a test could not stop (an interrupted or crashed worker), then Kafka.
      await registry.reap(log, { except: [broker.pid] });
      await broker.stop();
      log('Kafka stopped');
    };
    const removeHandlers = onInterrupt(stop);
    return async () => {
      removeHandlers();
      await stop();
    };
  };

  return {
    name,
    replyTopic,
    kafkaPort,
    registry,
    log,
    setupEngines,
    startKafka: () => startKafka({ port: kafkaPort, registry, name: options.engine }),
    requester: { connect: (bootstrap) => KafkaRequester.connect(bootstrap, { replyTopic, prefix: name }) },
    readTopic: (kafka, topic, count, timeoutMs) => readTopic(kafka, topic, count, timeoutMs, name),
    globalSetup,
  };
}
