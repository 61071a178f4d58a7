import { fileURLToPath } from 'node:url';
import { runPythonChecks } from '@stateflow/python-kernel';
import { describe, expect, it } from 'vitest';

const functionDir = fileURLToPath(new URL('../function', import.meta.url));

describe("the function's Python logic (in-memory table, no AWS)", () => {
  // The runner logs commit conflicts on stderr; runPythonChecks keeps them out of the test output.
  it('passes its Python tests', () => {
    expect(runPythonChecks(fileURLToPath(new URL('./function_test.py', import.meta.url)), { path: [functionDir] })).toMatch(/^ok \d+$/);
  });
});
