import { kafkaTransport, type KafkaTransport, type TransportRequest } from '@stateflow/client/kafka';
import {
  formatScoreboard,
  loadScenarios,
  runConformanceCombined,
  type ConformanceClient,
  type ConformanceReport,
  type CombinedProgram,
  type ConformanceTarget,
  type Scenario,
} from '@stateflow/conformance';
import type { Program } from '@stateflow/ir';
import { servedOverHttp } from './http-conformance.js';
import type { KafkaRequester } from './requester.js';

/** What a suite's deploy function gives back: enough to send it requests and stop it. */
export interface KafkaDeployment {
  /** The deployment's topic prefix; the request ids sent to it start with it. */
  prefix: string;
  /** The topic its client requests go to. */
  ingress: string;
  stop(): Promise<void>;
}

/** Deploys one program of the conformance kit on the suite's engine. */
export type DeployForConformance = (program: Program) => Promise<KafkaDeployment>;

/** Where the deployments of {@link kafkaConformanceTarget} and {@link gatewayConformanceTarget} are. */
export interface KafkaConformanceOptions {
  bootstrap: string;
  /** The topic every deployment of the run answers on (the suite's `replyTopic`). */
  replyTopic: string;
  /** The client transport of a deployment. @default `kafkaTransport` of `@stateflow/client/kafka` */
  transport?: (options: { brokers: string[]; requestTopic: string; replyTopic: string }) => KafkaTransport;
}

/**
 * The conformance kit's target for a Kafka backend, through `@stateflow/client`'s Kafka
 * transport: each program is deployed by `deploy`, creates and calls are sent with the
 * request ids `<prefix>-0`, `<prefix>-1`, ..., and state is read with the backends'
 * `GetState` (`requester`). Closing a client closes its transport, then stops the
 * deployment; a transport that cannot connect stops it at once.
 */
export function kafkaConformanceTarget(
  deploy: DeployForConformance,
  requester: Pick<KafkaRequester, 'getState'>,
  options: KafkaConformanceOptions,
): ConformanceTarget {
  const transportFor = options.transport ?? kafkaTransport;
  return {
    async deploy(program: Program): Promise<ConformanceClient> {
      const app = await deploy(program);
      let transport: KafkaTransport;
      try {
        transport = transportFor({ brokers: [options.bootstrap], requestTopic: app.ingress, replyTopic: options.replyTopic });
        await transport.connect();
      } catch (err) {
        await app.stop();
        throw err;
      }
      let n = 0;
      const send = (request: TransportRequest) => transport.send(request, { requestId: `${app.prefix}-${n++}`, signal: new AbortController().signal, attempt: 0 });
      return {
        create: (entity, args, kwargs) => send({ kind: 'create', entity, args, kwargs }),
        invoke: (entity, key, method, args, kwargs) => send({ kind: 'invoke', entity, key, method, args, kwargs }),
        getState: (entity, key) => requester.getState(app.ingress, entity, key),
        async close() {
          await transport.close();
          await app.stop();
        },
      };
    },
  };
}

/**
 * The conformance kit's target through the HTTP API in front of a Kafka backend, as
 * `stateflow run` serves it (the gateway over the deployment's Kafka transport); use
 * {@link asHttpShowsIt} on the scenarios.
 */
export function gatewayConformanceTarget(deploy: DeployForConformance, options: KafkaConformanceOptions): ConformanceTarget {
  const transportFor = options.transport ?? kafkaTransport;
  return {
    async deploy(program: Program) {
      const app = await deploy(program);
      const transport = transportFor({ brokers: [options.bootstrap], requestTopic: app.ingress, replyTopic: options.replyTopic });
      return servedOverHttp(program, transport, () => app.stop());
    },
  };
}

/** Options of {@link runCombinedConformance}. */
export interface CombinedConformanceOptions {
  /** The scoreboard's title. */
  title: string;
  /** Writes a progress line (`suite.log`): one per scenario; the scoreboard goes to stderr. */
  log: (message: string) => void;
  /** Put before each progress line, e.g. `gateway`. */
  label?: string;
  /** Scenarios running at once on the one deployment. */
  concurrency: number;
  /** @default loadScenarios() */
  scenarios?: Scenario[];
  /** @default 60_000 */
  stepTimeoutMs?: number;
  /** @default loadCombined() */
  combined?: CombinedProgram;
}

/** What {@link runCombinedConformance} found. */
export interface CombinedConformanceRun {
  report: ConformanceReport;
  /** The scoreboard (`formatScoreboard`), for assertion messages. */
  board: string;
  /** How many times `target.deploy` ran: 1 when the combined program hosted every scenario. */
  deployments: number;
}

/**
 * Runs the scenarios on one deployment of the combined program (`runConformanceCombined`),
 * logging each outcome with the seconds since the start and then the scoreboard. The
 * caller asserts on what it returns.
 */
export async function runCombinedConformance(target: ConformanceTarget, options: CombinedConformanceOptions): Promise<CombinedConformanceRun> {
  let deployments = 0;
  const counted: ConformanceTarget = { deploy: (program) => (deployments++, target.deploy(program)) };
  const label = options.label ? `${options.label} ` : '';
  const t0 = Date.now();
  const report = await runConformanceCombined(counted, {
    scenarios: options.scenarios ?? loadScenarios(),
    concurrency: options.concurrency,
    stepTimeoutMs: options.stepTimeoutMs ?? 60_000,
    ...(options.combined ? { combined: options.combined } : {}),
    onScenario: (r) => options.log(`${label}${r.passed ? 'pass' : 'FAIL'} ${r.id} (${((Date.now() - t0) / 1000).toFixed(1)} s)`),
  });
  const board = formatScoreboard(report, options.title);
  process.stderr.write(`\n${board}\n`);
  return { report, board, deployments };
}
