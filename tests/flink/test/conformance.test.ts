import { loadCombined, loadScenarios } from '@stateflow/conformance';
import { kafkaConformanceTarget, runCombinedConformance } from '@stateflow/engine-test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deploy } from './support/deploy.js';
import { KafkaRequester, REPLY_TOPIC, suite } from './support/suite.js';

const TITLE = 'Flink (PyFlink 2.3 mini-cluster, Kafka 4.4, exactly-once) through the Kafka client';
/** Scenarios running at once against the one job. */
const LANES = Number(process.env['STATEFLOW_FLINK_CONFORMANCE_LANES'] ?? 8);

// CI runs the kit through the bare Kafka transport on the standalone cluster
// (cluster.test.ts, parallelism 2) and through the HTTP gateway on the mini-cluster
// (conformance-gateway.test.ts); this mini-cluster run is the full form's
// (`pnpm -F @stateflow/flink-tests test:full`), to keep CI within its time budget.
const FULL = process.env['STATEFLOW_FLINK_FULL'] === '1';
if (!FULL) process.stderr.write('[flink-tests] conformance on the mini-cluster through the bare Kafka transport: skipped (set STATEFLOW_FLINK_FULL=1, or run test:full)\n');

describe.skipIf(!FULL)('conformance on Flink', () => {
  let requester: KafkaRequester;
  beforeAll(async () => {
    requester = await KafkaRequester.connect(inject('bootstrap'));
  });
  afterAll(async () => {
    await requester?.close();
  });

  it('passes every scenario, all hosted by one job (the combined program)', async () => {
    const scenarios = loadScenarios();
    expect(Object.keys(loadCombined().excluded), 'scenarios left out of the combined program').toEqual([]);
    // Each program is its own PyFlink job with its own topics; calls go through @stateflow/client's Kafka transport.
    const bootstrap = inject('bootstrap');
    const target = kafkaConformanceTarget((program) => deploy(program, bootstrap), requester, { bootstrap, replyTopic: REPLY_TOPIC });
    const { report, board, deployments } = await runCombinedConformance(target, { title: TITLE, log: suite.log, concurrency: LANES, scenarios });
    expect(report.total).toBe(scenarios.length);
    expect(report.passed, board).toBe(report.total);
    expect(deployments, 'PyFlink jobs started').toBe(1);
  }, 3_600_000);
});
