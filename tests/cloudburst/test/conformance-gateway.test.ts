import { loadScenarios } from '@stateflow/conformance';
import { asHttpShowsIt, runCombinedConformance, servedOverHttp } from '@stateflow/engine-test-kit';
import type { Program } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { deploy, ENGINE_TESTS } from './support.js';

describe.skipIf(!ENGINE_TESTS)('conformance through the HTTP gateway in front of Cloudburst', () => {
  it('passes every scenario over the HTTP API of stateflow serve (what stateflow run --target cloudburst serves)', async () => {
    const scenarios = loadScenarios().map(asHttpShowsIt);
    const target = {
      async deploy(program: Program) {
        const app = await deploy(program);
        // What `stateflow run` does with the backend's clientAccess (a lambda transport).
        return servedOverHttp(program, app.transport, () => app.stop());
      },
    };
    const { report, board } = await runCombinedConformance(target, {
      title: 'Cloudburst through the HTTP gateway (results in plain JSON)',
      log: (m) => void process.stderr.write(`[cloudburst conformance] ${m}\n`),
      label: 'gateway',
      concurrency: 4,
      scenarios,
    });
    expect(report.passed, board).toBe(report.total);
    expect(report.total).toBe(scenarios.length);
  }, 1_800_000);
});
