import { loadCombined, loadScenarios, type ConformanceClient, type ConformanceTarget } from '@stateflow/conformance';
import { runCombinedConformance } from '@stateflow/engine-test-kit';
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
const log = (m: string) => void process.stderr.write(`[cloudburst conformance] ${m}\n`);

describe.skipIf(!ENGINE_TESTS)('conformance on a local Anna and Cloudburst', () => {
  it('passes every scenario through the gateway (Lambda Invoke API -> call_dag), all in one deployment', async () => {
    const scenarios = loadScenarios().filter((s) => !(s.id in UNAVOIDABLE));
    expect(Object.keys(loadCombined().excluded), 'scenarios left out of the combined program').toEqual([]);
    const target: ConformanceTarget = {
      async deploy(program: Program): Promise<ConformanceClient> {
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
    const { report, board, deployments } = await runCombinedConformance(target, {
      title: 'Cloudburst (local Anna, scheduler, one executor) through the gateway',
      log,
      concurrency: LANES,
      scenarios,
    });
    expect(report.total).toBe(scenarios.length);
    expect(report.passed, board).toBe(report.total);
    expect(deployments, 'deployments started').toBe(1);
  }, 1_800_000);
});
