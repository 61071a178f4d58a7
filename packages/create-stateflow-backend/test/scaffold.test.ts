import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { scaffold, ScaffoldError, targetFromDirectory } from '../src/index.js';

// Whether the scaffolded backend installs from a registry and passes conformance is
// proven by tests/registry (published packages, a clean project); here: what is written.

const work = mkdtempSync(join(tmpdir(), 'create-stateflow-backend-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

describe('scaffold', () => {
  const dir = join(work, 'my-backend');
  const result = scaffold({ directory: dir });
  const read = (path: string) => readFileSync(join(dir, path), 'utf8');

  it('names the backend after the folder and writes a package.json with published ranges', () => {
    expect([result.target, result.packageName]).toEqual(['my', 'stateflow-backend-my']);
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.name).toBe('stateflow-backend-my');
    expect(JSON.stringify(pkg)).not.toContain('workspace:');
    expect(pkg.peerDependencies['@stateflow/ir']).toMatch(/^>=\d+\.\d+\.\d+ <\d+\.\d+\.\d+$/);
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(['@stateflow/cli', '@stateflow/conformance', '@stateflow/ir']));
    expect(pkg.scripts).toMatchObject({ build: 'tsc -p .', test: 'vitest run' });
  });

  it('renames the template backend in the source and the tests', () => {
    expect(read('src/index.ts')).toContain("name: 'my',");
    expect(read('src/index.ts')).not.toContain("'template'");
    expect(read('test/cli.test.ts')).toContain("'--target', 'my'");
    expect(read('test/cli.test.ts')).toContain("'./fixtures/shop.py'");
    expect(existsSync(join(dir, 'test/fixtures/shop.py'))).toBe(true);
    expect(read('test/conformance.test.ts')).toContain('runConformance');
  });

  it('writes a stand-alone tsconfig.json (no references into the repository)', () => {
    const tsconfig = JSON.parse(read('tsconfig.json'));
    expect(tsconfig.extends).toBeUndefined();
    expect(tsconfig.references).toBeUndefined();
    expect(tsconfig.compilerOptions).toMatchObject({ module: 'NodeNext', rootDir: 'src', outDir: 'dist' });
  });

  it('lists what it wrote', () => {
    expect(result.files).toEqual(expect.arrayContaining(['package.json', 'tsconfig.json', '.gitignore', 'src/index.ts', 'test/conformance.test.ts', 'README.md']));
  });
});

describe('scaffold refuses', () => {
  it('a folder that is not empty, writing nothing', () => {
    const dir = join(work, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    expect(() => scaffold({ directory: dir })).toThrow(ScaffoldError);
    expect(() => scaffold({ directory: dir })).toThrow(/already exists and is not an empty folder/);
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('a name that cannot be a --target', () => {
    expect(() => scaffold({ directory: join(work, 'x'), target: 'My_Backend' })).toThrow(/'My_Backend' cannot be a backend name/);
    expect(existsSync(join(work, 'x'))).toBe(false);
  });
});

it('targetFromDirectory drops the usual prefixes and suffix', () => {
  expect(['my-backend', 'stateflow-backend-redis', 'backend-kv', 'kv'].map(targetFromDirectory)).toEqual(['my', 'redis', 'kv', 'kv']);
});

describe('the bin', () => {
  it('creates the folder and says what to do next', () => {
    const out = execFileSync(process.execPath, [bin, 'stateflow-backend-kv'], { cwd: work, encoding: 'utf8' });
    expect(out).toContain("Created stateflow-backend-kv in stateflow-backend-kv");
    expect(out).toContain('npm install');
  });

  it('answers a usage mistake with exit 2 and the usage, no stack trace', () => {
    const run = spawnSync(process.execPath, [bin], { cwd: work, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('create-stateflow-backend: give one folder to create');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const taken = spawnSync(process.execPath, [bin, 'stateflow-backend-kv'], { cwd: work, encoding: 'utf8' });
    expect([taken.status, taken.stderr.trim()]).toEqual([2, expect.stringMatching(/^create-stateflow-backend: .*already exists/)]);
  });
});
