import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lambdaTransport } from '@stateflow/client/lambda';
import { loadScenarios, runScenario, type ConformanceClient, type ConformanceTarget, type ScenarioReport } from '@stateflow/conformance';
import type { Program } from '@stateflow/ir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLambdaFunction, findLambdaEnv, runLambdaLocally, startLocalStore, type LocalStore } from '../../src/index.js';
import { freePort } from '../../src/processes.js';
import { ENGINE_TESTS, sayWhySkipped } from './support.js';

sayWhySkipped('conformance');

/**
 * Every scenario through @stateflow/client's Lambda transport: one store for the run, and
 * per scenario the built function on its own table behind the dispatcher (one emulator).
 */
function lambdaTarget(store: LocalStore, root: string): ConformanceTarget {
  let n = 0;
  return {
    async deploy(program: Program): Promise<ConformanceClient> {
      const out = join(root, `app-${n++}`);
      await buildLambdaFunction(program, out, { emulators: 1 });
      const running = await runLambdaLocally(out, { port: 0, storeEndpoint: store.endpoint, tableName: `conformance-${n}` });
      const transport = lambdaTransport({
        functionName: running.functionName,
        endpoint: running.endpoint,
        region: 'us-east-1',
        clientConfig: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 },
      });
      let id = 0;
      const context = () => ({ requestId: `r${id++}`, signal: new AbortController().signal, attempt: 0 });
      return {
        create: (entity, args, kwargs) => transport.send({ kind: 'create', entity, args, kwargs }, context()),
        invoke: (entity, key, method, args, kwargs) => transport.send({ kind: 'invoke', entity, key, method, args, kwargs }, context()),
        getState: (entity, key) => transport.getState!(entity, key, { signal: new AbortController().signal }),
        async close() {
          await transport.close?.();
          await running.stop();
        },
      };
    },
  };
}

describe.skipIf(!ENGINE_TESTS)('conformance on the Lambda emulator', () => {
  let store: LocalStore;
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sf-lambda-conformance-'));
    store = await startLocalStore(findLambdaEnv(), await freePort(), 'unused', join(root, 'store.log'));
  });
  afterAll(async () => {
    await store?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('passes every scenario through the Lambda transport', async () => {
    const target = lambdaTarget(store, root);
    const failed: ScenarioReport[] = [];
    const scenarios = loadScenarios();
    for (const scenario of scenarios) {
      const t0 = Date.now();
      const report = await runScenario(target, scenario, { stepTimeoutMs: 60_000 });
      if (!report.passed) failed.push(report);
      process.stderr.write(`[lambda conformance] ${report.passed ? 'pass' : 'FAIL'} ${scenario.id} ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    const summary = failed.map((r) => `${r.id}: ${r.problem ?? r.failures.map((f) => f.diff).join('; ')}`).join('\n');
    expect(summary, `${failed.length} of ${scenarios.length} scenarios failed`).toBe('');
  }, 1_800_000);
});
