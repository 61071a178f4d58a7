import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// The argument handling of `pnpm release`; the release itself (build, checks, publish into
// a local registry, changed packages only) is tested by tests/registry.

const release = fileURLToPath(new URL('../release.mjs', import.meta.url));
const run = (...args) => spawnSync(process.execPath, [release, ...args], { encoding: 'utf8' });

it('--help prints the steps and the options, and does nothing else', () => {
  const r = run('--help');
  expect(r.status).toBe(0);
  for (const option of ['--dry-run', '--registry <url>', '--no-version', '--provenance', '--no-git-tag']) expect(r.stdout).toContain(option);
  expect(r.stdout).toContain('changeset version');
});

it('an unknown option or a registry that is not a URL is a usage error (exit 2), before any step runs', () => {
  const unknown = run('--publish-everything');
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toMatch(/^pnpm release: Unknown option '--publish-everything'/);
  expect(unknown.stdout).not.toContain('==>');
  const bad = run('--registry', 'localhost:4873');
  expect([bad.status, bad.stderr.trim()]).toEqual([2, "pnpm release: --registry must be an http(s) URL (got 'localhost:4873')"]);
});
