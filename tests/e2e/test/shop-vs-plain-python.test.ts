import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SHOP_APP } from './support/paths.js';
import { comparable, readScenario, runScenarioOnPlainPython, runStepOverHttp, type Outcome } from './support/scenario.js';
import { startServe, type Served } from './support/serve.js';

const SCENARIO = resolve(ROOT, 'tests/e2e/scenarios/shop.json');
const steps = readScenario(SCENARIO);
const expected = runScenarioOnPlainPython(SHOP_APP, SCENARIO);

describe.each(['pyodide', 'subprocess'])('stateflow serve examples/shop/app.py --python-host %s', (kind) => {
  let served: Served;
  const actual: Outcome[] = [];

  beforeAll(async () => {
    served = await startServe(['examples/shop/app.py', '--port', '0', '--python-host', kind]);
    // Steps run one after another, like the plain Python reference.
    for (const step of steps) actual.push(await runStepOverHttp(served.url, step));
  });

  afterAll(async () => {
    if (served) expect(await served.stop()).toBe(0);
  });

  it('announces the entities and the real URL', () => {
    expect(served.stdout()).toMatch(
      /^StateFlow serving examples\/shop\/app\.py \(entities: Item, User\) on http:\/\/127\.0\.0\.1:\d+\n/,
    );
    expect(served.url).not.toMatch(/:0$/);
    expect(served.stdout()).toContain(`curl -s -X POST ${served.url}/Item`);
  });

  it.each(steps.map((step, i) => [i + 1, step.title, i] as const))(
    'step %i (%s) gives what plain Python gives',
    (_n, _title, i) => {
      expect(comparable(actual[i]!)).toEqual(comparable(expected[i]!));
    },
  );

  it('gives every error a non-empty message', () => {
    for (const outcome of actual) {
      if (outcome.body.error) expect(outcome.body.error.message).toMatch(/\S/);
    }
  });

  it('logs each request to stderr', () => {
    expect(served.stderr()).toMatch(/POST \/Item 201 \d+ms/);
    expect(served.stderr()).toMatch(/GET \/Item\/pepsi 404 EntityNotFound \d+ms/);
  });
});

describe('the plain Python reference', () => {
  it('covers the cases the milestone asks for', () => {
    const statuses = expected.map((o) => o.status);
    for (const status of [200, 201, 400, 404, 409, 422]) expect(statuses).toContain(status);
    expect(expected.some((o) => o.body.result === false)).toBe(true);
    expect(expected.find((o) => o.status === 422)!.body).toEqual({
      error: { type: 'NotEnoughStock', message: 'only 7 of coke left' },
    });
  });
});
