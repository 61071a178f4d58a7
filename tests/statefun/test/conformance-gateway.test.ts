import { kafkaTransport } from '@stateflow/client/kafka';
import { formatScoreboard, loadScenarios, runConformanceCombined } from '@stateflow/conformance';
import { asHttpShowsIt, servedOverHttp } from '@stateflow/engine-test-kit';
import type { Program } from '@stateflow/ir';
import { describe, expect, inject, it } from 'vitest';
import { deploy, REPLY_TOPIC } from './support/deploy.js';


const LANES = Number(process.env['STATEFLOW_STATEFUN_CONFORMANCE_LANES'] ?? 8);

describe('conformance through the HTTP gateway in front of the Statefun application', () => {
  it('passes every scenario (results compared as the HTTP API shows them), all hosted by one deployment', async () => {
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
        onScenario: (r) => process.stderr.write(`[statefun-tests] gateway ${r.passed ? 'pass' : 'FAIL'} ${r.id} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`),
      },
    );
    const board = formatScoreboard(report, 'Statefun through the HTTP gateway (results in plain JSON)');
    process.stderr.write(`\n${board}\n`);
    expect(report.passed, board).toBe(report.total);
    expect(report.total).toBe(scenarios.length);
    expect(jobs, 'Statefun deployments started').toBe(1);
  }, 3_600_000);
});
