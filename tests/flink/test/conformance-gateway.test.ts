import { loadScenarios } from '@stateflow/conformance';
import { asHttpShowsIt, gatewayConformanceTarget, runCombinedConformance } from '@stateflow/engine-test-kit';
import { describe, expect, inject, it } from 'vitest';
import { deploy } from './support/deploy.js';
import { REPLY_TOPIC, suite } from './support/suite.js';

const LANES = Number(process.env['STATEFLOW_FLINK_CONFORMANCE_LANES'] ?? 8);

describe('conformance through the HTTP gateway in front of the Flink job', () => {
  it('passes every scenario (results compared as the HTTP API shows them), all hosted by one job', async () => {
    const scenarios = loadScenarios().map(asHttpShowsIt);
    const bootstrap = inject('bootstrap');
    const target = gatewayConformanceTarget((program) => deploy(program, bootstrap), { bootstrap, replyTopic: REPLY_TOPIC });
    const { report, board, deployments } = await runCombinedConformance(target, {
      title: 'Flink through the HTTP gateway (results in plain JSON)',
      log: suite.log,
      label: 'gateway',
      concurrency: LANES,
      scenarios,
    });
    expect(report.passed, board).toBe(report.total);
    expect(report.total).toBe(scenarios.length);
    expect(deployments, 'PyFlink jobs started').toBe(1);
  }, 3_600_000);
});
