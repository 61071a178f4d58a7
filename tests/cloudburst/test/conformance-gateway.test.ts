import { formatScoreboard, loadScenarios, runConformanceCombined } from '@stateflow/conformance';
import { asHttpShowsIt, servedOverHttp } from '@stateflow/engine-test-kit';
import type { Program } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { deploy, ENGINE_TESTS } from './support.js';

describe.skipIf(!ENGINE_TESTS)('conformance through the HTTP gateway in front of Cloudburst', () => {
  it('passes every scenario over the HTTP API of stateflow serve (what stateflow run --target cloudburst serves)', async () => {
    const scenarios = loadScenarios().map(asHttpShowsIt);
    const t0 = Date.now();
    const report = await runConformanceCombined(
      {
        async deploy(program: Program) {
          const app = await deploy(program);
          // What `stateflow run` does with the backend's clientAccess (a lambda transport).
          return servedOverHttp(program, app.transport, () => app.stop());
        },
      },
      {
        scenarios,
        concurrency: 4,
        stepTimeoutMs: 60_000,
        onScenario: (r) => process.stderr.write(`[cloudburst conformance] gateway ${r.passed ? 'pass' : 'FAIL'} ${r.id} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`),
      },
    );
    const board = formatScoreboard(report, 'Cloudburst through the HTTP gateway (results in plain JSON)');
    process.stderr.write(`\n${board}\n`);
    expect(report.passed, board).toBe(report.total);
    expect(report.total).toBe(scenarios.length);
  }, 1_800_000);
});
