import { loadScenarios } from '@stateflow/conformance';
import { asHttpShowsIt, gatewayConformanceTarget, runCombinedConformance } from '@stateflow/engine-test-kit';
import { describe, expect, inject, it } from 'vitest';
import { deploy } from './support/deploy.js';
import { REPLY_TOPIC, suite } from './support/suite.js';

const LANES = Number(process.env['STATEFLOW_BEAM_CONFORMANCE_LANES'] ?? 8);

describe('conformance through the HTTP gateway in front of the Beam pipeline', () => {
  it('passes every scenario (results compared as the HTTP API shows them), all hosted by one pipeline', async () => {
    const scenarios = loadScenarios().map(asHttpShowsIt);
    const bootstrap = inject('bootstrap');
    const target = gatewayConformanceTarget((program) => deploy(program, bootstrap), { bootstrap, replyTopic: REPLY_TOPIC });
    const { report, board, deployments } = await runCombinedConformance(target, {
      title: 'Beam on Prism through the HTTP gateway (results in plain JSON)',
      log: suite.log,
      label: 'gateway',
      concurrency: LANES,
      scenarios,
    });
    expect(report.passed, board).toBe(report.total);
    expect(report.total).toBe(scenarios.length);
    expect(deployments, 'Beam pipelines started').toBe(1);
  }, 3_600_000);
});
