import { loadCombined, loadScenarios } from '@stateflow/conformance';
import { kafkaConformanceTarget, runCombinedConformance } from '@stateflow/engine-test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deploy, REPLY_TOPIC } from './support/deploy.js';
import { KafkaRequester, suite } from './support/suite.js';

const TITLE = 'Statefun 3.3 (Flink 1.16 mini-cluster, Kafka 4.4, exactly-once egress) through the Kafka client';
/** Scenarios running at once against the one deployment. */
const LANES = Number(process.env['STATEFLOW_STATEFUN_CONFORMANCE_LANES'] ?? 8);

// CI runs the suite once, through the HTTP gateway (conformance-gateway.test.ts), which
// also goes through the Kafka client transport; this direct run is the full form's
// (`pnpm -F @stateflow/statefun-tests test:full`), to keep CI within its time budget.
const FULL = process.env['STATEFLOW_STATEFUN_FULL'] === '1';
if (!FULL) process.stderr.write('[statefun-tests] conformance through the bare Kafka transport: skipped (set STATEFLOW_STATEFUN_FULL=1, or run test:full)\n');

describe.skipIf(!FULL)('conformance on Statefun', () => {
  let requester: KafkaRequester;
  beforeAll(async () => {
    requester = await KafkaRequester.connect(inject('bootstrap'));
  });
  afterAll(async () => {
    await requester?.close();
  });

  it('passes every scenario, all hosted by one deployment (the combined program)', async () => {
    const scenarios = loadScenarios();
    expect(Object.keys(loadCombined().excluded), 'scenarios left out of the combined program').toEqual([]);
    // Each program is its own Statefun application with its own topics; calls go through @stateflow/client's Kafka transport.
    const bootstrap = inject('bootstrap');
    const target = kafkaConformanceTarget((program) => deploy(program, bootstrap), requester, { bootstrap, replyTopic: REPLY_TOPIC });
    const { report, board, deployments } = await runCombinedConformance(target, { title: TITLE, log: suite.log, concurrency: LANES, scenarios });
    expect(report.total).toBe(scenarios.length);
    expect(report.passed, board).toBe(report.total);
    expect(deployments, 'Statefun deployments started').toBe(1);
  }, 3_600_000);
});
