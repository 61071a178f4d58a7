import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { registryUrl } from './support/project.js';

// The publish step of `pnpm release` publishes only what the registry lacks: right after
// the global setup published everything, a dry run finds nothing to publish.

const root = fileURLToPath(new URL('../../..', import.meta.url));

it('pnpm release --dry-run against the registry finds every package published', () => {
  const r = spawnSync('node', ['tools/release.mjs', '--dry-run', '--no-version', '--no-checks', '--registry', registryUrl()], { cwd: root, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain('nothing to publish: every public package is on the registry at its current version');
});

it('the published manifests name versions, not workspace: ranges', async () => {
  for (const name of ['@stateflow/cli', '@stateflow/backend-flink', 'create-stateflow-backend']) {
    const res = await fetch(`${registryUrl()}${name.replace('/', '%2f')}`);
    expect(res.status, name).toBe(200);
    const doc = (await res.json()) as { 'dist-tags': { latest: string }; versions: Record<string, Record<string, Record<string, string> | undefined>> };
    const manifest = doc.versions[doc['dist-tags'].latest]!;
    const ranges = ['dependencies', 'peerDependencies', 'optionalDependencies'].flatMap((f) => Object.values(manifest[f] ?? {}));
    expect(ranges.filter((r) => r.startsWith('workspace:')), name).toEqual([]);
  }
});

it('pnpm release rejects a bad option with a usage error, before doing anything', () => {
  const r = spawnSync('node', ['tools/release.mjs', '--registry', 'not a url'], { cwd: root, encoding: 'utf8' });
  expect([r.status, r.stderr.trim()]).toEqual([2, "pnpm release: --registry must be an http(s) URL (got 'not a url')"]);
});
