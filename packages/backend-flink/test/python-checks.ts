import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { kernelPythonDir } from '@stateflow/python-kernel';
import { expect } from 'vitest';

const jobDir = fileURLToPath(new URL('../job', import.meta.url));

/**
 * Runs one of this folder's Python check scripts (no PyFlink) with the job's package and
 * the kernel on PYTHONPATH, and expects its last line to be `ok <count>`.
 */
export function expectPythonChecksPass(scriptName: string): void {
  const script = fileURLToPath(new URL(`./${scriptName}`, import.meta.url));
  const python = process.env['STATEFLOW_PYTHON'] ?? 'python3';
  const out = execFileSync(python, [script], {
    env: { ...process.env, PYTHONPATH: [jobDir, kernelPythonDir()].join(':') },
    encoding: 'utf8',
  });
  expect(out.trim().split('\n').pop()).toMatch(/^ok \d+$/);
}
