// The two conformance test files every Kafka engine suite has (through the bare Kafka
// client transport, and through the HTTP gateway), written once: a suite's file names its
// engine and its deploy function and calls one of these at its top level.
import { loadCombined, loadScenarios } from '@stateflow/conformance';
import type { Program } from '@stateflow/ir';
import { describe, expect, inject, it } from 'vitest';
import { asHttpShowsIt } from './http-conformance.js';
import { gatewayConformanceTarget, kafkaConformanceTarget, runCombinedConformance, type KafkaDeployment } from './kafka-conformance.js';
import type { EngineSuite } from './suite.js';

/** What a suite's conformance files differ in. */
export interface ConformanceFileOptions {
  suite: Pick<EngineSuite, 'name' | 'log' | 'replyTopic' | 'requester'>;
  /** The engine as people say it, for titles: `Flink`, `Beam on Prism`. */
  engine: string;
  /** What one deployment of the engine is called: `job`, `pipeline`, `deployment`. */
  unit: string;
  /** Deploys one program on the engine (the suite's own deploy function). */
  deploy: (program: Program, bootstrap: string) => Promise<KafkaDeployment>;
  /** Scenarios running at once on the one deployment. @default `STATEFLOW_<ENGINE>_CONFORMANCE_LANES`, else 8 */
  lanes?: number;
}

/** How long a whole conformance run may take (one hour). */
const RUN_TIMEOUT_MS = 3_600_000;

function envPrefix(options: ConformanceFileOptions): string {
  return `STATEFLOW_${options.suite.name.replace(/-tests$/, '').toUpperCase()}`;
}

function lanesOf(options: ConformanceFileOptions): number {
  return options.lanes ?? Number(process.env[`${envPrefix(options)}_CONFORMANCE_LANES`] ?? 8);
}

/**
 * Every scenario through the HTTP gateway in front of one deployment of the combined
 * program (`stateflow run`'s gateway over the Kafka client transport), results compared as
 * the HTTP API shows them.
 */
export function describeGatewayConformance(options: ConformanceFileOptions): void {
  describe(`conformance through the HTTP gateway in front of the ${options.engine} ${options.unit}`, () => {
    it(`passes every scenario (results compared as the HTTP API shows them), all hosted by one ${options.unit}`, async () => {
      const scenarios = loadScenarios().map(asHttpShowsIt);
      const bootstrap = inject('bootstrap');
      const target = gatewayConformanceTarget((program) => options.deploy(program, bootstrap), { bootstrap, replyTopic: options.suite.replyTopic });
      const { report, board, deployments } = await runCombinedConformance(target, {
        title: `${options.engine} through the HTTP gateway (results in plain JSON)`,
        log: options.suite.log,
        label: 'gateway',
        concurrency: lanesOf(options),
        scenarios,
      });
      expect(report.passed, board).toBe(report.total);
      expect(report.total).toBe(scenarios.length);
      expect(deployments, `${options.engine} ${options.unit}s started`).toBe(1);
    }, RUN_TIMEOUT_MS);
  });
}

/**
 * Every scenario through `@stateflow/client`'s bare Kafka transport on one deployment of
 * the combined program. The full form's only (`STATEFLOW_<ENGINE>_FULL=1`, the suite's
 * `test:full`): CI runs the kit through the gateway, which also goes through that transport.
 */
export function describeKafkaConformance(options: ConformanceFileOptions & { title: string; fullOnlyReason?: string }): void {
  const fullVariable = `${envPrefix(options)}_FULL`;
  const full = process.env[fullVariable] === '1';
  if (!full) options.suite.log(`conformance through the bare Kafka transport${options.fullOnlyReason ?? ''}: skipped (set ${fullVariable}=1, or run test:full)`);
  describe.skipIf(!full)(`conformance on ${options.engine}`, () => {
    it(`passes every scenario, all hosted by one ${options.unit} (the combined program)`, async () => {
      const scenarios = loadScenarios();
      expect(Object.keys(loadCombined().excluded), 'scenarios left out of the combined program').toEqual([]);
      const bootstrap = inject('bootstrap');
      const requester = await options.suite.requester.connect(bootstrap);
      try {
        const target = kafkaConformanceTarget((program) => options.deploy(program, bootstrap), requester, { bootstrap, replyTopic: options.suite.replyTopic });
        const { report, board, deployments } = await runCombinedConformance(target, { title: options.title, log: options.suite.log, concurrency: lanesOf(options), scenarios });
        expect(report.total).toBe(scenarios.length);
        expect(report.passed, board).toBe(report.total);
        expect(deployments, `${options.engine} ${options.unit}s started`).toBe(1);
      } finally {
        await requester.close();
      }
    }, RUN_TIMEOUT_MS);
  });
}
