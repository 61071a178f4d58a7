#!/usr/bin/env node
// `pnpm -F @stateflow/ingress-fuzz-tests test`: runs the ingress fuzz tests (pytest) with the
// Python of STATEFLOW_PYTHON, or python3, and on PYTHONPATH the backends' Python packages and
// the kernel as this workspace has them (resolved like any dependency, no paths into them).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelPythonDir } from '@stateflow/python-kernel';

const require = createRequire(import.meta.url);
const packageDir = (name) => dirname(require.resolve(`${name}/package.json`));
const pythonPath = [
  join(packageDir('@stateflow/backend-flink'), 'job'),
  // The Flink checks' in-memory KeyState (fake_state.py), shared rather than copied.
  join(packageDir('@stateflow/backend-flink'), 'test'),
  join(packageDir('@stateflow/backend-beam'), 'pipeline'),
  join(packageDir('@stateflow/backend-statefun'), 'service'),
  join(packageDir('@stateflow/backend-cloudburst'), 'function'),
  kernelPythonDir(),
];
const python = process.env.STATEFLOW_PYTHON ?? 'python3';
const hasPytest = spawnSync(python, ['-c', 'import pytest'], { encoding: 'utf8' });
if (hasPytest.status !== 0) {
  console.error(`the ingress fuzz tests need Python 3 with pytest (${python}: ${hasPytest.error?.message ?? hasPytest.stderr.trim()}); run bash tools/setup.sh, or set STATEFLOW_PYTHON`);
  process.exit(1);
}
const testDir = fileURLToPath(new URL('../test', import.meta.url));
const r = spawnSync(python, ['-m', 'pytest', '-p', 'no:cacheprovider', testDir, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONPATH: [...pythonPath, process.env.PYTHONPATH].filter(Boolean).join(':'),
    STATEFLOW_FUZZ_PROGRAM: require.resolve('@stateflow/ir/test-vectors/shop.ir.json'),
  },
});
process.exit(r.status ?? 1);
