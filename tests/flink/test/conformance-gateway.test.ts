import { kafkaTransport } from '@stateflow/client/kafka';
import { formatScoreboard, loadScenarios, runConformanceCombined, type ConformanceClient, type Scenario, type Step } from '@stateflow/conformance';
import { startHttpServer, transportEngine } from '@stateflow/gateway';
import { toPlainJson, type EncodedValue, type EntityState, type Program, type Result } from '@stateflow/ir';
import { describe, expect, inject, it } from 'vitest';
import { deploy } from './support/deploy.js';
import { REPLY_TOPIC } from './support/suite.js';

const LANES = Number(process.env['STATEFLOW_FLINK_CONFORMANCE_LANES'] ?? 8);

/**
 * A scenario with its expected values as the HTTP API shows them: the API answers in
 * plain JSON (`toPlainJson`: tuples and sets are arrays, finite floats numbers), so the
 * expectations generated from Python are compared in that form.
 */
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
          const engine = transportEngine(program, kafkaTransport({ brokers: [inject('bootstrap')], requestTopic: app.ingress, replyTopic: REPLY_TOPIC }), {
            timeoutMs: 60_000,
          });
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
