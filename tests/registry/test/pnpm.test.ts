import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { COUNTER_APP, installStats, neededPackage, newProject, ok, ours, record, removeProject, run, serveAndCall } from './support/project.js';

// (2) The same with pnpm 12, which refuses dependencies' build scripts until the project
// says which may run (`allowBuilds`). The settings are the ones the docs tell users to
// write, read from the page itself so the two cannot drift apart.

const page = fileURLToPath(new URL('../../../apps/docs/guide/installing.md', import.meta.url));

/** The first ```yaml block of the docs page that sets allowBuilds. */
function documentedWorkspaceYaml(): string {
  const blocks = [...readFileSync(page, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((b) => b.includes('allowBuilds:'));
  if (!block) throw new Error(`${page} has no yaml block with allowBuilds`);
  return block;
}

const dir = newProject('pnpm-user', { 'app.py': COUNTER_APP });
const installed: string[] = [];
afterAll(() => removeProject(dir));

describe.sequential('pnpm 12: install the CLI with the documented allowBuilds, compile, serve', () => {
  it('pnpm add @stateflow/cli runs no build script it was not told about', () => {
    writeFileSync(join(dir, 'pnpm-workspace.yaml'), documentedWorkspaceYaml());
    const r = ok(dir, 'pnpm', ['add', '@stateflow/cli']);
    expect(`${r.stdout}${r.stderr}`).not.toContain('ERR_PNPM_IGNORED_BUILDS');
    installed.push('@stateflow/cli');
    const stats = installStats(dir, 'pnpm');
    record('pnpm add @stateflow/cli (compile only)', stats);
    expect(ours(stats)).toContain('@stateflow/cli');
  });

  it('pnpm exec stateflow compile app.py', () => {
    const r = ok(dir, 'pnpm', ['exec', 'stateflow', 'compile', 'app.py', '-o', 'app.ir.json']);
    expect(`${r.stdout}${r.stderr}`).toContain('wrote app.ir.json: 1 entity (Counter), 1 method');
  });

  it('pnpm exec stateflow serve (CPython subprocess host) answers an HTTP call', async () => {
    let answer: Awaited<ReturnType<typeof serveAndCall>> | undefined;
    for (let attempt = 0; attempt < 4 && !answer; attempt++) {
      try {
        answer = await serveAndCall(dir, 'pnpm', ['exec', 'stateflow', 'serve', 'app.py', '--port', '0', '--workers', '1', '--python-host', 'subprocess']);
      } catch (err) {
        const pkg = neededPackage(String(err));
        if (!pkg) throw err;
        const r = run(dir, 'pnpm', ['add', pkg]);
        expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
        expect(`${r.stdout}${r.stderr}`).not.toContain('ERR_PNPM_IGNORED_BUILDS');
        installed.push(pkg);
      }
    }
    expect(answer).toBeDefined();
    expect(answer!.created).toEqual({ status: 201, body: { key: 'clicks' } });
    expect(answer!.added).toEqual({ status: 200, body: { result: 5 } });
    record(`pnpm add ${installed.join(' ')} (serve)`, installStats(dir, 'pnpm'));
  });
});
