import { formatScoreboard, loadScenarios, runConformanceCombined, type ConformanceClient, type Scenario, type Step } from '@stateflow/conformance';
import { startHttpServer, transportEngine } from '@stateflow/gateway';
import { toPlainJson, type EncodedValue, type EntityState, type Program, type Result } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { deploy, ENGINE_TESTS } from './support.js';

/** Expected values as the HTTP API shows them (plain JSON: tuples and sets are arrays). */
function asHttpShowsIt(scenario: Scenario): Scenario {
  const plain = (step: Step): Step => {
    const e = step.expect;
    if ('result' in e) return { ...step, expect: { result: toPlainJson(e.result) } };
    if ('state' in e) return { ...step, expect: { state: toPlainJson(e.state as EncodedValue) as EntityState } };
    return step;
  };
  return { ...scenario, steps: scenario.steps.map(plain) };
}

/** A conformance client over the HTTP API (what any script written against `stateflow serve` does). */
function httpClient(url: string, close: () => Promise<void>): ConformanceClient {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { result?: EncodedValue; key?: string; error?: { type: string; message: string } } };
  };
  const outcome = ({ status, body }: Awaited<ReturnType<typeof post>>, ok: (b: typeof body) => EncodedValue): Result =>
    status < 300 ? { ok: ok(body) } : { error: body.error! };
  const seg = encodeURIComponent;
  return {
    create: async (entity, args, kwargs) => outcome(await post(`/${seg(entity)}`, { args, kwargs }), (b) => ({ $entity: entity, $key: b.key! })),
    invoke: async (entity, key, method, args, kwargs) => outcome(await post(`/${seg(entity)}/${seg(key)}/${seg(method)}`, { args, kwargs }), (b) => b.result ?? null),
    async getState(entity, key) {
      const res = await fetch(`${url}/${seg(entity)}/${seg(key)}`);
      const body = (await res.json()) as { state?: EntityState };
      return res.status === 404 ? undefined : body.state;
    },
    close,
  };
}

describe.skipIf(!ENGINE_TESTS)('conformance through the HTTP gateway in front of Cloudburst', () => {
  it('passes every scenario over the HTTP API of stateflow serve (what stateflow run --target cloudburst serves)', async () => {
    const scenarios = loadScenarios().map(asHttpShowsIt);
    const t0 = Date.now();
    const report = await runConformanceCombined(
      {
        async deploy(program: Program) {
          const app = await deploy(program);
          // What `stateflow run` does with the backend's clientAccess (a lambda transport).
          const engine = transportEngine(program, app.transport, { timeoutMs: 60_000 });
          await engine.start();
          const server = await startHttpServer(engine, { port: 0 });
          return httpClient(server.url, async () => {
            await server.close();
            await engine.close();
            await app.stop();
          });
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
