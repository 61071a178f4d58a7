#!/usr/bin/env node
// `pnpm -F @stateflow/cloudburst-tests test`: builds what the engine tests import, then
// runs them on a real Anna and Cloudburst (tools/engines/cloudburst/build.sh must have run).
// Under turbo (`pnpm test`, CI) they are skipped unless STATEFLOW_ENGINE_TESTS=1.
import { spawnSync } from 'node:child_process';

const underTurbo = Boolean(process.env['TURBO_HASH']);
if (underTurbo && process.env['STATEFLOW_ENGINE_TESTS'] !== '1') {
  console.log('cloudburst engine tests: skipped under turbo (set STATEFLOW_ENGINE_TESTS=1 after tools/engines/cloudburst/build.sh --src DIR)');
  process.exit(0);
}
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: false });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
if (!underTurbo) run('turbo', ['run', 'build', '--filter=@stateflow/cloudburst-tests^...', '--output-logs=errors-only']);
run('vitest', ['run', ...process.argv.slice(2)]);
