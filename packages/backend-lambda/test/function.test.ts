import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { kernelPythonDir } from '@stateflow/python-kernel';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./function_test.py', import.meta.url));
const functionDir = fileURLToPath(new URL('../function', import.meta.url));

describe("the function's Python logic (in-memory table, no AWS)", () => {
  it('passes its Python tests', () => {
    const python = process.env['STATEFLOW_PYTHON'] ?? 'python3';
    const out = execFileSync(python, [script], {
      env: { ...process.env, PYTHONPATH: [functionDir, kernelPythonDir()].join(':') },
      encoding: 'utf8',
      // The runner logs commit conflicts on stderr; keep them out of the test output.
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out.trim().split('\n').pop()).toMatch(/^ok \d+$/);
  });
});
