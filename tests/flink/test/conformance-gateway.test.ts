import { kafkaTransport } from '@stateflow/client/kafka';
import { formatScoreboard, loadScenarios, runConformanceCombined } from '@stateflow/conformance';
import { asHttpShowsIt, servedOverHttp } from '@stateflow/engine-test-kit';
import type { Program } from '@stateflow/ir';
import { describe, expect, inject, it } from 'vitest';
import { deploy } from './support/deploy.js';
import { REPLY_TOPIC } from './support/suite.js';

const LANES = Number(process.env['STATEFLOW_FLINK_CONFORMANCE_LANES'] ?? 8);

describe('conformance through the HTTP gateway in front of the Flink job', () => {
  it('passes every scenario (results compared as the HTTP API shows them), all hosted by one job', async () => {
    const scenarios = loadScenarios().map(asHttpShowsIt);
    let jobs = 0;
    const t0 = Date.now();
    const report = await runConformanceCombined(
      {
        async deploy(program: Program) {
          jobs++;
          const app = await deploy(program, inject('bootstrap'));
          const transport = kafkaTransport({ brokers: [inject('bootstrap')], requestTopic: app.ingress, replyTopic: REPLY_TOPIC });
          return servedOverHttp(program, transport, () => app.stop());
        },
      },
      {
        scenarios,
        concurrency: LANES,
        stepTimeoutMs: 60_000,
        onScenario: (r) => process.stderr.write(`[flink-tests] gateway ${r.passed ? 'pass' : 'FAIL'} ${r.id} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`),
      },
    );
    const board = formatScoreboard(report, 'Flink through the HTTP gateway (results in plain JSON)');
    process.stderr.write(`\n${board}\n`);
    expect(report.passed, board).toBe(report.total);
    expect(report.total).toBe(scenarios.length);
    expect(jobs, 'PyFlink jobs started').toBe(1);
  }, 3_600_000);
});
