import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '@stateflow/cli';
import { afterAll, expect, it } from 'vitest';

// The package name is the plugin contract: `stateflow build --target template` finds
// `@stateflow/backend-template` in the current directory's node_modules (here: the
// package itself, where vitest runs) and calls its `backend.build`. The CLI runs in
// this process through `runCli`, exactly what its bin calls.

const app = fileURLToPath(new URL('../../../examples/shop/app.py', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'stateflow-template-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function stateflow(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

it('stateflow build --target template compiles app.py and writes the artifact', async () => {
  const out = join(work, 'shop');
  const run = await stateflow(['build', app, '--target', 'template', '--out', out, '--set', 'maxHops=50']);
  expect(run.stderr).toContain(`wrote ${out}: deployment.json, program.ir.json`);
  expect(run.code).toBe(0);
  expect(existsSync(join(out, 'program.ir.json')) && existsSync(join(out, 'deployment.json'))).toBe(true);
});

it('stateflow build --target template reports a bad setting as a usage error (exit 2)', async () => {
  const run = await stateflow(['build', app, '--target', 'template', '--out', join(work, 'bad'), '--set', 'maxHop=5']);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain("stateflow build: unknown setting 'maxHop' for the template backend (settings: maxHops)");
});

it('stateflow build --target template --help lists the declared settings', async () => {
  const run = await stateflow(['build', '--target', 'template', '--help']);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('Settings of the template backend (@stateflow/backend-template):');
  expect(run.stdout).toMatch(/^ {2}--set maxHops=<n> +longest call chain \(events per request\) before the request fails \(default 10000\)$/m);
  const bad = await stateflow(['build', app, '--target', 'template', '--out', join(work, 'bad2'), '--set', 'maxHops=0']);
  expect([bad.code, bad.stderr.split('\n')[0]]).toEqual([2, "stateflow build: --set maxHops: maxHops must be a whole number >= 1 (got '0')"]);
});
