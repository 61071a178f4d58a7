import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPythonChecks } from '@stateflow/python-kernel';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./function_test.py', import.meta.url));
const functionDir = fileURLToPath(new URL('../function', import.meta.url));

/** Cloudburst's Python 3.7, when tools/engines/cloudburst/build.sh has run here. */
function cloudburstPython(): string | undefined {
  const file = join(process.env['STATEFLOW_CACHE'] || join(homedir(), '.cache', 'stateflow'), 'cloudburst.env');
  if (!existsSync(file)) return undefined;
  const m = /^CLOUDBURST_PYTHON=(.*)$/m.exec(readFileSync(file, 'utf8'));
  return m && existsSync(m[1]!.trim()) ? m[1]!.trim() : undefined;
}

describe("the function's Python logic (in-memory store, no Cloudburst)", () => {
  it('passes its Python tests', () => {
    expect(runPythonChecks(script, { path: [functionDir] })).toMatch(/^ok \d+$/);
  });

  const py37 = cloudburstPython();
  it.skipIf(!py37)("passes them on Cloudburst's Python 3.7 too (when tools/engines/cloudburst/build.sh has run)", () => {
    expect(runPythonChecks(script, { path: [functionDir], python: py37! })).toMatch(/^ok \d+$/);
  });
});
