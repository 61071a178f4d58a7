import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/paths.js';
import { comparable, readScenario, runScenarioOnPlainPython, runStepOverHttp, type Outcome } from './support/scenario.js';
import { startServe, type Served } from './support/serve.js';

/**
 * Python fidelity through `stateflow serve`: a call of another entity (or a creation)
 * whose arguments do not bind raises a `TypeError` at the call site inside user code, as
 * in plain Python, while the client still gets `BadArguments` (400) when it escapes.
 */
const APP = resolve(ROOT, 'tests/e2e/apps/clerks.py');
const SCENARIO = resolve(ROOT, 'tests/e2e/scenarios/clerks.json');
const steps = readScenario(SCENARIO);
const expected = runScenarioOnPlainPython(APP, SCENARIO);

describe.each(['pyodide', 'subprocess'])('wrong arguments inside methods on the %s host', (kind) => {
  let served: Served;
  const actual: Outcome[] = [];

  beforeAll(async () => {
    served = await startServe(['tests/e2e/apps/clerks.py', '--port', '0', '--python-host', kind]);
    for (const step of steps) actual.push(await runStepOverHttp(served.url, step));
  });

  afterAll(async () => {
    if (served) expect(await served.stop()).toBe(0);
  });

  it.each(steps.map((step, i) => [i + 1, step.title, i] as const))(
    'step %i (%s) gives what plain Python gives',
    (_n, _title, i) => {
      expect(comparable(actual[i]!)).toEqual(comparable(expected[i]!));
    },
  );
});

describe('the plain Python reference for wrong arguments', () => {
  it('catches them as TypeError inside methods and answers BadArguments (400) when they escape', () => {
    expect(expected.slice(2, 4).map((o) => o.body)).toEqual([{ result: false }, { result: false }]);
    expect(expected.slice(7).map((o) => [o.status, o.body.error.type])).toEqual([
      [400, 'BadArguments'],
      [400, 'BadArguments'],
      [400, 'BadArguments'],
    ]);
  });
});
