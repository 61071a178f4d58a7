import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./requests_text_test.py', import.meta.url));
const serviceDir = fileURLToPath(new URL('../service', import.meta.url));

describe('the request records of an entity function as lines of text (no SDK)', () => {
  it('look up, replace and forget records as the JSON object did, and read that earlier layout', () => {
    const python = process.env['STATEFLOW_PYTHON'] ?? 'python3';
    const out = execFileSync(python, [script], { env: { ...process.env, PYTHONPATH: serviceDir }, encoding: 'utf8' });
    expect(out.trim().split('\n').pop()).toMatch(/^ok \d+$/);
  });
});
