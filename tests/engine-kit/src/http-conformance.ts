import type { ConformanceClient, Scenario, Step } from '@stateflow/conformance';
import { startHttpServer, transportEngine, type GatewayTransport } from '@stateflow/gateway';
import { toPlainJson, type EncodedValue, type EntityState, type Program, type Result } from '@stateflow/ir';

/**
 * A scenario with its expected values as the HTTP API shows them: the API answers in
 * plain JSON (`toPlainJson`: tuples and sets are arrays, finite floats numbers), so the
 * expectations generated from Python are compared in that form.
 */
export function asHttpShowsIt(scenario: Scenario): Scenario {
  const plain = (step: Step): Step => {
    const e = step.expect;
    if ('result' in e) return { ...step, expect: { result: toPlainJson(e.result) } };
    if ('state' in e) return { ...step, expect: { state: toPlainJson(e.state as EncodedValue) as EntityState } };
    return step;
  };
  return { ...scenario, steps: scenario.steps.map(plain) };
}

/**
 * A conformance client over the HTTP API at `url` (what any script written against
 * `stateflow serve` does); `close` stops what serves it.
 */
export function httpConformanceClient(url: string, close: () => Promise<void>): ConformanceClient {
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

/**
 * Serves a running deployment's client `transport` behind the HTTP API, as `stateflow run`
 * does (`transportEngine` + `startHttpServer` on a free port), and returns a conformance
 * client over that API; its `close` stops the server, the engine, then `stopDeployment`.
 */
export async function servedOverHttp(
  program: Program,
  transport: GatewayTransport,
  stopDeployment: () => Promise<void>,
  options: { timeoutMs?: number } = {},
): Promise<ConformanceClient> {
  const engine = transportEngine(program, transport, { timeoutMs: options.timeoutMs ?? 60_000 });
  try {
    await engine.start();
    const server = await startHttpServer(engine, { port: 0 });
    return httpConformanceClient(server.url, async () => {
      await server.close();
      await engine.close();
      await stopDeployment();
    });
  } catch (err) {
    await engine.close().catch(() => undefined);
    await stopDeployment();
    throw err;
  }
}
