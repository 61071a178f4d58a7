import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { installStats, ok, python, record, registryUrl, removeProject } from './support/project.js';

// (4) `npm create stateflow-backend my-backend` from the registry, then the new backend
// installs the published packages, builds, and passes its tests: the whole conformance
// kit, the template's engine tests, and `stateflow build --target my` finding it.

const parent = mkdtempSync(join(tmpdir(), 'stateflow-create-'));
afterAll(() => removeProject(parent));

it('npm create stateflow-backend: the new backend installs, builds and passes conformance', () => {
  // create-stateflow-backend is not scoped: this one command asks the local registry for it.
  // A cache of its own: npx reuses a create-stateflow-backend it installed before (an
  // earlier run of this suite published the same version with other contents).
  const created = ok(parent, 'npm', ['create', 'stateflow-backend', 'my-backend', '--yes', '--registry', registryUrl()], {
    npm_config_cache: join(parent, 'npm-cache'),
  });
  expect(created.stdout).toContain('Created stateflow-backend-my in my-backend');
  const dir = join(parent, 'my-backend');
  expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name).toBe('stateflow-backend-my');

  writeFileSync(join(dir, '.npmrc'), `@stateflow:registry=${registryUrl()}\n`);
  ok(dir, 'npm', ['install']);
  record('scaffolded backend: npm install (its dev dependencies)', installStats(dir, 'npm'));
  ok(dir, 'npm', ['run', 'build']);
  expect(existsSync(join(dir, 'dist', 'index.js'))).toBe(true);
  const tests = ok(dir, 'npm', ['test'], { STATEFLOW_PYTHON: python });
  const out = `${tests.stdout}${tests.stderr}`;
  expect(out).toMatch(/passes every scenario of the conformance kit/);
  expect(out).toMatch(/Tests\s+\d+ passed/);
  expect(out).not.toMatch(/failed/i);
  process.stdout.write(`[registry-tests] scaffolded backend: ${/Tests\s+(\d+ passed[^\n]*)/.exec(out)?.[1] ?? '?'}\n`);
});
