#!/usr/bin/env node
// Runs the kernel's pytest suite with the Python named by STATEFLOW_PYTHON, or python3
// (then python) from PATH. Fails with a clear message when Python or pytest is missing.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const candidates = process.env.STATEFLOW_PYTHON ? [process.env.STATEFLOW_PYTHON] : ['python3', 'python'];

function works(python) {
  const r = spawnSync(python, ['-c', 'import sys; print(sys.version_info[0])'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === '3';
}

const python = candidates.find(works);
if (!python) {
  console.error(
    `python-kernel tests need Python 3.9 or newer, but none was found (tried: ${candidates.join(', ')}).\n` +
      'Install Python 3 and pytest, or set STATEFLOW_PYTHON to the path of a Python 3 interpreter.',
  );
  process.exit(1);
}
const hasPytest = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' });
if (hasPytest.status !== 0) {
  console.error(`python-kernel tests need pytest for ${python}: run \`${python} -m pip install pytest\`.`);
  process.exit(1);
}
const args = ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests', ...process.argv.slice(2)];
const r = spawnSync(python, args, {
  cwd: packageDir,
  stdio: 'inherit',
  env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
});
process.exit(r.status ?? 1);
