import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lambdaTransport } from '@stateflow/client/lambda';
import { formatScoreboard, loadCombined, loadScenarios, runConformanceCombined, type ConformanceClient, type ConformanceTarget } from '@stateflow/conformance';
import type { Program } from '@stateflow/ir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLambdaFunction, runLambdaLocally } from '../../src/index.js';
import { ENGINE_TESTS, reapLeftovers, recordProcess, sayWhySkipped } from './support.js';

sayWhySkipped('conformance');

const TITLE = 'Lambda (runtime interface emulators, moto DynamoDB) through the Lambda client';
/** Emulators of the one deployment, and scenarios running at once against it. */
const EMULATORS = Number(process.env['STATEFLOW_LAMBDA_CONFORMANCE_EMULATORS'] ?? 3);
const LANES = Number(process.env['STATEFLOW_LAMBDA_CONFORMANCE_LANES'] ?? 4);

/** Builds the program and runs it locally; every call, and getState, through @stateflow/client's Lambda transport. */
function lambdaTarget(root: string): ConformanceTarget {
  let n = 0;
  return {
    async deploy(program: Program): Promise<ConformanceClient> {
      const out = join(root, `app-${n++}`);
      await buildLambdaFunction(program, out, { emulators: EMULATORS });
      await reapLeftovers();
      const running = await runLambdaLocally(out, { invokePort: 0, storePort: 0, onProcess: recordProcess });
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
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'sf-lambda-conformance-'));
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('passes every scenario through the Lambda transport, all in one deployment (the combined program)', async () => {
    const scenarios = loadScenarios();
    expect(Object.keys(loadCombined().excluded), 'scenarios left out of the combined program').toEqual([]);
    let deployments = 0;
    const lambda = lambdaTarget(root);
    const target: ConformanceTarget = { deploy: (program) => (deployments++, lambda.deploy(program)) };
    const t0 = Date.now();
    const report = await runConformanceCombined(target, {
      scenarios,
      concurrency: LANES,
      stepTimeoutMs: 60_000,
      onScenario: (r) => process.stderr.write(`[lambda conformance] ${r.passed ? 'pass' : 'FAIL'} ${r.id} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`),
    });
    const board = formatScoreboard(report, TITLE);
    process.stderr.write(`\n${board}\n`);
    expect(report.total).toBe(scenarios.length);
    expect(report.passed, board).toBe(report.total);
    expect(deployments, 'deployments started').toBe(1);
  }, 1_800_000);
});
