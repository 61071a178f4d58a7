import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPythonChecks } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sf-python-checks-'));
const lib = mkdtempSync(join(tmpdir(), 'sf-python-checks-lib-'));
writeFileSync(join(lib, 'own_module.py'), 'VALUE = 42\n');

function script(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}

describe('runPythonChecks', () => {
  it("returns the script's last line, with the backend's folders and the kernel importable", () => {
    const file = script(
      'checks.py',
      ['import sys', 'import own_module', 'from stateflow_kernel import Kernel', 'print("a line on stderr", file=sys.stderr)', 'print("checked", own_module.VALUE)', 'print("ok 2")', ''].join('\n'),
    );
    expect(runPythonChecks(file, { path: [lib] })).toBe('ok 2');
  });

  it('throws with the standard error of a script that fails', () => {
    const file = script('fails.py', 'raise SystemExit("check 3 failed: 1 != 2")\n');
    expect(() => runPythonChecks(file)).toThrow(/check 3 failed: 1 != 2/);
  });
});
