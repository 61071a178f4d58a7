import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateProgram, type Program } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { compile } from '../src/index.js';
import { GENERATED_BANNER } from '../src/emit/index.js';

const UPDATE = process.env['UPDATE'] === '1';
/** In CI (`CI=true`) a missing snapshot fails instead of being written, as vitest's own snapshots do. */
const CI = Boolean(process.env['CI']) && process.env['CI'] !== 'false';

/** Checks that Python 3 compiles `source` (stronger than ast.parse: catches misplaced return etc.). */
export function assertValidPython(source: string): void {
  const r = spawnSync('python3', ['-c', 'import sys; compile(sys.stdin.read(), "<compiled>", "exec")'], {
    input: source,
    encoding: 'utf8',
  });
  expect(r.stderr, 'emitted module is not valid Python').toBe('');
  expect(r.status).toBe(0);
}

/** Checks an emitted program against the IR schema and cross-reference rules. */
export function assertValidProgram(program: Program): void {
  const result = validateProgram(JSON.parse(JSON.stringify(program)));
  expect(result.ok ? [] : result.errors).toEqual([]);
}

const HERE = dirname(fileURLToPath(import.meta.url));
const KERNEL_DIR = resolve(HERE, '../../python-kernel/python');

/**
 * Runs `scenario.json` on the compiled program through the Python kernel (events routed
 * by a tiny in-memory runtime), the same with detached blocks resumed where a value is
 * produced, and on the plain Python module, and expects the same results and final
 * states (see `exec/run_scenario.py`).
 */
export function assertRunsLikePython(program: Program, scenario: unknown): void {
  const r = spawnSync('python3', [join(HERE, 'exec', 'run_scenario.py')], {
    input: JSON.stringify({ program, scenario }),
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: KERNEL_DIR },
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(r.stderr, 'the scenario runner failed').toBe('');
  const traces = JSON.parse(r.stdout) as { kernel: unknown; kernelDetached: unknown; python: unknown };
  expect(traces.kernel).toEqual(traces.python);
  expect(traces.kernelDetached, 'with resume_detached=True').toEqual(traces.python);
  expect(r.status).toBe(0);
}

function compareSnapshot(path: string, actual: string): void {
  if (UPDATE || (!existsSync(path) && !CI)) {
    writeFileSync(path, actual);
    return;
  }
  expect(existsSync(path), `${path} is missing; run the test with UPDATE=1 and commit the file`).toBe(true);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

function fixtureDirs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const sub = join(dir, name);
    if (!statSync(sub).isDirectory()) continue;
    if (existsSync(join(sub, 'input.py'))) out.push(sub);
    else out.push(...fixtureDirs(sub));
  }
  return out;
}

/**
 * Runs every directory fixture under `<root>/fixtures`: `input.py` is compiled with path
 * `input.py`. Under `_error_/`, the diagnostics (`CODE Name line:col`) must match
 * `diagnostics.snap`; elsewhere there must be none, the program must validate, the module
 * must compile as Python, and `ir.snap.json` plus `module.snap.py` (the generated
 * section) must match. With a `scenario.json`, the program must also run like plain
 * Python ({@link assertRunsLikePython}). `UPDATE=1` rewrites snapshots.
 */
export function runFixtures(root: string): void {
  const base = join(root, 'fixtures');
  describe('fixtures', () => {
    for (const dir of fixtureDirs(base)) {
      const name = relative(base, dir).split(sep).join('/');
      it(name, async () => {
        const source = readFileSync(join(dir, 'input.py'), 'utf8');
        const result = await compile(source, { path: 'input.py' });
        const rendered = result.diagnostics
          .map((d) => `${d.code} ${d.name} ${d.span ? `${d.span.line}:${d.span.column}` : '-'}`)
          .join('\n');
        if (name.startsWith('_error_/')) {
          expect(result.program).toBeUndefined();
          expect(result.diagnostics.length).toBeGreaterThan(0);
          for (const d of result.diagnostics) {
            expect(d.message.length).toBeGreaterThan(0);
            expect(d.help?.length ?? 0).toBeGreaterThan(0);
          }
          compareSnapshot(join(dir, 'diagnostics.snap'), rendered + '\n');
          return;
        }
        expect(rendered).toBe('');
        const program = result.program!;
        assertValidProgram(program);
        assertValidPython(program.module.source);
        expect(program.module.source.startsWith(source)).toBe(true);
        const { source: moduleSource, ...module } = program.module;
        compareSnapshot(
          join(dir, 'ir.snap.json'),
          JSON.stringify({ ...program, module: { ...module, source: '<see module.snap.py>' } }, null, 2) + '\n',
        );
        const at = moduleSource.indexOf(GENERATED_BANNER);
        compareSnapshot(join(dir, 'module.snap.py'), at >= 0 ? moduleSource.slice(at) : '# (no split methods)\n');
        const scenario = join(dir, 'scenario.json');
        if (existsSync(scenario)) assertRunsLikePython(program, JSON.parse(readFileSync(scenario, 'utf8')));
      });
    }
  });
}
