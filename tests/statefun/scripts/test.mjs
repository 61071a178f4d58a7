#!/usr/bin/env node
// `pnpm -F @stateflow/statefun-tests test`: builds what the engine tests import, then runs
// them (real Kafka and Statefun deployments; about 5 minutes on 2 cores, the conformance kit on one job).
// Under `turbo run test` (`pnpm test`, `pnpm verify`, CI) they are skipped unless
// STATEFLOW_ENGINE_TESTS=1, so the default suite stays fast; turbo must pass that
// variable through (turbo.json `passThroughEnv` of `test`, or `globalPassThroughEnv`).
import { spawnSync } from 'node:child_process';

const underTurbo = Boolean(process.env['TURBO_HASH']);
if (underTurbo && process.env['STATEFLOW_ENGINE_TESTS'] !== '1') {
  console.log('statefun engine tests: skipped under turbo (run `pnpm -F @stateflow/statefun-tests test`, or set STATEFLOW_ENGINE_TESTS=1)');
  process.exit(0);
}
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: false });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
// Outside turbo, build the workspace packages the tests import (cached when up to date).
if (!underTurbo) run('turbo', ['run', 'build', '--filter=@stateflow/statefun-tests^...', '--output-logs=errors-only']);
run('vitest', ['run', ...process.argv.slice(2)]);
