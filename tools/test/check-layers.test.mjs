import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkWorkspace } from '../layers/check.mjs';
import { listImports } from '../layers/imports.mjs';
import { readLayerTable } from '../layers/layer-table.mjs';

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const brief = (text, file = 'a.ts') => listImports(file, text).map(({ specifier, how, typeOnly }) => `${how}${typeOnly ? ' type' : ''} ${specifier}`);

describe('listImports', () => {
  it('tells type-only imports from those that stay in the emitted JS', () => {
    expect(
      brief(`
        import type { A } from 'types-only';
        import { type B } from 'inline-type';
        import C, { type D } from 'default-binding';
        import * as ns from 'namespace';
        import 'side-effect';
        export type { E } from 'reexported-type';
        export { F } from 'reexported-value';
        export * from 'star';
        let x: import('type-query').T;
      `),
    ).toEqual([
      'import type types-only',
      'import inline-type', // verbatimModuleSyntax keeps `import {} from 'inline-type'`
      'import default-binding',
      'import namespace',
      'import side-effect',
      'export type reexported-type',
      'export reexported-value',
      'export star',
      'type-query type type-query',
    ]);
  });

  it('finds import(), require and the require.resolve forms with a literal name', () => {
    expect(
      brief(`
        import { createRequire } from 'node:module';
        const req = createRequire(import.meta.url);
        await import('lazy');
        require('cjs');
        req('made-require');
        req.resolve('made-resolve/package.json');
        createRequire(import.meta.url).resolve('inline-resolve');
        import.meta.resolve('meta-resolve');
        createRequire(process.cwd()).resolve('elsewhere'); // resolves from another folder
        await import(name); // not a literal: a plugin chosen at run time
      `, 'a.mjs'),
    ).toEqual([
      'import node:module',
      'dynamic lazy',
      'require cjs',
      'require made-require',
      'resolve made-resolve/package.json',
      'resolve inline-resolve',
      'resolve meta-resolve',
    ]);
  });

  it('reads triple-slash type references and treats everything in a .d.ts as types', () => {
    expect(brief(`/// <reference types="vite/client" />\nimport { X } from 'decl';`, 'a.d.ts')).toEqual([
      'import type decl',
      'reference type vite/client',
    ]);
  });
});

describe('checkWorkspace', () => {
  it('reports a runtime import of a devDependency, layer violations, undeclared and cross-package imports, and a docs table that disagrees', () => {
    const { problems } = checkWorkspace(join(fixtures, 'workspace-with-problems'));
    expect(problems).toEqual([
      "apps/docs/contributing/architecture.md:8: the layer table row @stateflow/frontend-python: 'may depend on' is 'ir, python-kernel', ARCHITECTURE.md:8 says 'ir' (make the two tables agree)",
      'apps/docs/contributing/architecture.md: the layer table has no row for @stateflow/backend-template (make the two tables agree)',
      'apps/docs/contributing/architecture.md:11: the layer table lists @stateflow/docs, which ARCHITECTURE.md does not (make the two tables agree)',
      'ARCHITECTURE.md:10: the layer table lists @stateflow/cli, which is not a package of the workspace (remove the row)',
      'packages/orphan/package.json: @stateflow/orphan has no row in the layer table of ARCHITECTURE.md (add one with what it may depend on)',
      'templates/backend/package.json: devDependencies lists @stateflow/frontend-python, which the layer table (ARCHITECTURE.md:9) does not allow @stateflow/backend-template even in tests',
      "templates/backend/src/engine.ts:4: '../../../packages/frontend/src/index.js' reaches outside templates/backend (import the other package by its name, through its exports)",
      'templates/backend/src/engine.ts:7: @stateflow/backend-template may not import @stateflow/python-kernel: no such arrow in the layer table (ARCHITECTURE.md:9)',
      'templates/backend/src/engine.ts:7: imports @stateflow/python-kernel, which templates/backend/package.json does not declare (add it to dependencies or peerDependencies)',
      'templates/backend/src/index.ts:2: imports @stateflow/ir at run time in published code, but it is only a devDependency (move it to dependencies, or peerDependencies for a package the host provides)',
      'templates/backend/src/index.ts:6: imports @stateflow/ir at run time in published code, but it is only a devDependency (move it to dependencies, or peerDependencies for a package the host provides)',
      'templates/backend/src/index.ts:12: @stateflow/backend-template may not import @stateflow/frontend-python: no such arrow in the layer table (ARCHITECTURE.md:9)',
      'templates/backend/src/index.ts:12: imports @stateflow/frontend-python at run time in published code, but it is only a devDependency (move it to dependencies, or peerDependencies for a package the host provides)',
      'templates/backend/test/engine.test.ts:4: imports left-pad, which templates/backend/package.json does not declare (add it to devDependencies)',
    ]);
  });

  it('passes a workspace whose imports follow the table (a peer at run time, types and tests from devDependencies)', () => {
    expect(checkWorkspace(join(fixtures, 'clean-workspace'))).toEqual({ problems: [], packages: 3, files: 4, imports: 7 });
  });
});

describe('checkWorkspace with declarations (after a build)', () => {
  it('reports published types that import a devDependency, and a package not built yet', () => {
    const root = mkdtempSync(join(tmpdir(), 'layers-built-'));
    cpSync(join(fixtures, 'clean-workspace'), root, { recursive: true });
    mkdirSync(join(root, 'packages/backend/dist'));
    // A peer's types may appear in the published API; a devDependency's may not.
    writeFileSync(join(root, 'packages/backend/dist/index.d.ts'), "import type { Program } from '@stateflow/ir';\nexport declare const backend: { build(p: Program): string };\n");
    writeFileSync(join(root, 'packages/backend/dist/helper.d.ts'), "import type { Mock } from 'vitest';\nexport declare const helper: Mock;\n");
    try {
      expect(checkWorkspace(root, { declarations: true }).problems).toEqual([
        "packages/backend/dist/helper.d.ts:1: the published types import vitest, which is only a devDependency, so users' type checks fail (declare it in dependencies or peerDependencies, or keep its types out of the exported API)",
        'packages/ir/dist: no .d.ts files to check; run `pnpm build` first',
      ]);
      expect(checkWorkspace(root).problems).toEqual([]); // without the option, sources only
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('readLayerTable', () => {
  const withTable = (table) => {
    const dir = mkdtempSync(join(tmpdir(), 'layers-'));
    writeFileSync(join(dir, 'ARCHITECTURE.md'), `# A\n\n## Layers\n\n${table}\n`);
    return { file: join(dir, 'ARCHITECTURE.md'), done: () => rmSync(dir, { recursive: true }) };
  };

  it('reads each row: `any`, `—` and lists of short names', () => {
    const { file, done } = withTable(
      '| layer | package | may depend on | tests and tools may also use |\n|---|---|---|---|\n' +
        '| L1 | `@stateflow/host` (runs Python) | ir, python-kernel | — |\n| L4 | `@stateflow/e2e` | any | |',
    );
    const rules = readLayerTable(file);
    done();
    expect([...rules.get('@stateflow/host').runtime]).toEqual(['@stateflow/ir', '@stateflow/python-kernel']);
    expect(rules.get('@stateflow/e2e').runtime).toBe('any');
    expect(rules.get('@stateflow/e2e').dev).toEqual(new Set());
  });

  it('says which columns are missing instead of guessing', () => {
    const { file, done } = withTable('| layer | package | deps |\n|---|---|---|\n| L0 | `@stateflow/ir` | — |');
    expect(() => readLayerTable(file)).toThrow(/needs the columns \| layer \| package \| may depend on \| tests and tools may also use \|/);
    done();
  });

  it('rejects a cell that is not a list of short names', () => {
    const { file, done } = withTable(
      '| layer | package | may depend on | tests and tools may also use |\n|---|---|---|---|\n| L1 | `@stateflow/host` | ir (for types) | — |',
    );
    expect(() => readLayerTable(file)).toThrow(/ARCHITECTURE\.md:7: 'ir \(for types\)' is not a package short name/);
    done();
  });
});

describe('tools/check-layers.mjs', () => {
  const run = (fixture) =>
    spawnSync(process.execPath, [new URL('../check-layers.mjs', import.meta.url).pathname, '--root', join(fixtures, fixture)], { encoding: 'utf8' });

  it('exits 1 and lists each problem with its file and line', () => {
    const { status, stdout, stderr } = run('workspace-with-problems');
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^layer check failed \(14 problems\):\n/);
    expect(stderr).toContain('\n  templates/backend/src/index.ts:2: imports @stateflow/ir at run time in published code, but it is only a devDependency');
  });

  it('exits 0 and says what it checked when every import follows the rules', () => {
    const { status, stdout } = run('clean-workspace');
    expect(status).toBe(0);
    expect(stdout).toBe('layer check: 7 imports in 4 files of 3 packages follow the layer table and their package.json\n');
  });

  it('reports a missing layer table in one line, without a stack trace', () => {
    const { status, stderr } = spawnSync(process.execPath, [new URL('../check-layers.mjs', import.meta.url).pathname, '--root', fixtures], { encoding: 'utf8' });
    expect(status).toBe(1);
    expect(stderr).toBe(`layer check failed: ${join(fixtures, 'ARCHITECTURE.md')} is missing: the layer table lives there, under '## Layers'\n`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
