import { formatScoreboard, loadCombined, loadScenarios, runConformanceCombined, type ConformanceClient, type ConformanceTarget } from '@stateflow/conformance';
import type { Program } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { context, deploy, ENGINE_TESTS } from './support.js';

/** Scenarios running at once against the one deployment (one executor runs them one call at a time). */
const LANES = Number(process.env['STATEFLOW_CLOUDBURST_CONFORMANCE_LANES'] ?? 4);

/**
 * Scenarios this target cannot pass, by id, with the reason. Empty: every scenario passes.
 * (A scenario added here needs its reason in apps/docs/guide/cloudburst.md too.)
 */
const UNAVOIDABLE: { [id: string]: string } = {};

describe.skipIf(!ENGINE_TESTS)('conformance on a local Anna and Cloudburst', () => {
  it('passes every scenario through the gateway (Lambda Invoke API -> call_dag), all in one deployment', async () => {
    const scenarios = loadScenarios().filter((s) => !(s.id in UNAVOIDABLE));
    expect(Object.keys(loadCombined().excluded), 'scenarios left out of the combined program').toEqual([]);
    let deployments = 0;
    const target: ConformanceTarget = {
      async deploy(program: Program): Promise<ConformanceClient> {
        deployments++;
        const app = await deploy(program);
        const { transport } = app;
        return {
          create: (entity, args, kwargs) => transport.send({ kind: 'create', entity, args, kwargs }, context()),
          invoke: (entity, key, method, args, kwargs) => transport.send({ kind: 'invoke', entity, key, method, args, kwargs }, context()),
          getState: (entity, key) => transport.getState!(entity, key, { signal: new AbortController().signal }),
          close: () => app.stop(),
        };
      },
    };
    const t0 = Date.now();
    const report = await runConformanceCombined(target, {
      scenarios,
      concurrency: LANES,
      stepTimeoutMs: 60_000,
      onScenario: (r) => process.stderr.write(`[cloudburst conformance] ${r.passed ? 'pass' : 'FAIL'} ${r.id} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`),
    });
    const board = formatScoreboard(report, 'Cloudburst (local Anna, scheduler, one executor) through the gateway');
    process.stderr.write(`\n${board}\n`);
    expect(report.total).toBe(scenarios.length);
    expect(report.passed, board).toBe(report.total);
    expect(deployments, 'deployments started').toBe(1);
  }, 1_800_000);
});
