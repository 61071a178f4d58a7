import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

// The package name is the plugin contract: `stateflow build --target template` finds
// `@stateflow/backend-template` in the current directory's node_modules (here: the
// package itself) and calls its `backend.build`.

const here = fileURLToPath(new URL('..', import.meta.url));
const cli = join(dirname(createRequire(import.meta.url).resolve('@stateflow/cli/package.json')), 'dist', 'bin.js');
const app = fileURLToPath(new URL('../../../examples/shop/app.py', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'stateflow-template-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function stateflow(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], { cwd: here });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
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
