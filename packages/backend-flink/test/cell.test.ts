import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelPythonDir } from '@stateflow/python-kernel';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./cell_test.py', import.meta.url));
const jobDir = fileURLToPath(new URL('../job', import.meta.url));

describe('one keyed value per instance: its state and recent request ids (no PyFlink)', () => {
  it('passes its Python tests', () => {
    const python = process.env['STATEFLOW_PYTHON'] ?? 'python3';
    const out = execFileSync(python, [script], {
      env: { ...process.env, PYTHONPATH: [jobDir, kernelPythonDir()].join(':') },
      encoding: 'utf8',
    });
    expect(out.trim().split('\n').pop()).toMatch(/^ok \d+$/);
  });
});
