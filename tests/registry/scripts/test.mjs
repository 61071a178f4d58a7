#!/usr/bin/env node
// `pnpm -F @stateflow/registry-tests test`: publishes every public package to a local
// registry and installs them in clean projects (npm, pnpm, the Flink backend alone, a
// scaffolded backend). Needs the npm registry for third-party packages and python3.
// Under turbo (`pnpm verify`) it is skipped unless STATEFLOW_REGISTRY_TESTS=1 or
// STATEFLOW_ENGINE_TESTS=1 (`pnpm test:all`, CI).
import { spawnSync } from 'node:child_process';

const underTurbo = Boolean(process.env['TURBO_HASH']);
const wanted = process.env['STATEFLOW_REGISTRY_TESTS'] === '1' || process.env['STATEFLOW_ENGINE_TESTS'] === '1';
if (underTurbo && !wanted) {
  console.log('registry tests: skipped under turbo (run `pnpm -F @stateflow/registry-tests test`, or set STATEFLOW_REGISTRY_TESTS=1)');
  process.exit(0);
}
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: false });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
if (!underTurbo) run('turbo', ['run', 'build', '--output-logs=errors-only']);
const t0 = Date.now();
run('vitest', ['run', ...process.argv.slice(2)]);
console.log(`[registry-tests] whole suite (registry, publish, every scenario): ${((Date.now() - t0) / 1000).toFixed(0)} s`);
