import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const tool = new URL('../api-report.mjs', import.meta.url).pathname;

// A one-package workspace whose "build" is a hand-written .d.ts.
const root = mkdtempSync(join(tmpdir(), 'api-report-'));
// The tool compiles with `types: ['node']`; a stub keeps each run fast (the real one is large).
mkdirSync(join(root, 'node_modules/@types/node'), { recursive: true });
writeFileSync(join(root, 'node_modules/@types/node/package.json'), '{ "name": "@types/node", "version": "20.0.0", "types": "index.d.ts" }\n');
writeFileSync(join(root, 'node_modules/@types/node/index.d.ts'), 'declare namespace NodeJS {}\n');
writeFileSync(join(root, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');
writeFileSync(join(root, 'package.json'), '{ "name": "fixture-root", "private": true }\n');
const pkg = join(root, 'packages/demo');
mkdirSync(join(pkg, 'dist'), { recursive: true });
writeFileSync(
  join(pkg, 'package.json'),
  JSON.stringify({ name: '@stateflow/demo', version: '0.0.0', type: 'module', files: ['dist'], exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } } }),
);
const build = (dts) => writeFileSync(join(pkg, 'dist/index.d.ts'), dts);
const run = (mode) => spawnSync(process.execPath, [tool, mode, '--root', root], { encoding: 'utf8' });
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('tools/api-report.mjs', () => {
  it('writes etc/<name>.api.md with --update, then --check passes', () => {
    build('/** Adds. */\nexport declare function add(a: number, b: number): number;\n');
    expect(run('--update').status).toBe(0);
    expect(readFileSync(join(pkg, 'etc/demo.api.md'), 'utf8')).toContain('export function add(a: number, b: number): number;');
    const check = run('--check');
    expect(check.status).toBe(0);
    expect(check.stdout).toBe('API reports: 1 entry points of 1 packages match their reports\n');
  });

  it('fails --check on an unreviewed change, and leaves the report as it was', () => {
    build('/** Adds. */\nexport declare function add(a: number, b: number, c?: number): number;\n');
    const check = run('--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('packages/demo/etc/demo.api.md: the public API of @stateflow/demo changed; review it, then run `pnpm api:update` and commit the report');
    expect(readFileSync(join(pkg, 'etc/demo.api.md'), 'utf8')).not.toContain('c?: number');
  });

  it('fails on a type the entry point uses but does not export (ae-forgotten-export)', () => {
    // As tsc writes it: `export {}` keeps the interface local to the module.
    build('interface Options { fast: boolean }\nexport declare function run(options: Options): void;\nexport {};\n');
    const update = run('--update');
    expect(update.status).toBe(1);
    expect(update.stderr).toMatch(/\(ae-forgotten-export\) The symbol "Options" needs to be exported by the entry point index\.d\.ts/);
  });

  it('says to build first when an entry point has no .d.ts', () => {
    rmSync(join(pkg, 'dist/index.d.ts'));
    const check = run('--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('packages/demo/etc/demo.api.md: packages/demo/dist/index.d.ts is missing; run `pnpm build` first');
    expect(existsSync(join(pkg, 'etc/demo.api.md'))).toBe(true);
  });
});
