import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateProgram } from '@stateflow/ir';
import { compile } from '../src/index.js';
import { generateProgram } from './fuzz/generate.js';
import { mutate } from './fuzz/mutate.js';
import { Random } from './fuzz/random.js';

/**
 * Robustness of `compile()`: on any input it returns either a valid program or at least
 * one error diagnostic with a code and a span; it never throws. Inputs are mutations of
 * real programs (the example, the compiler fixtures, the conformance scenarios) and
 * randomly generated programs. FUZZ_SEED and FUZZ_RUNS reproduce or extend a run;
 * FUZZ_DUMP=<file> writes the findings' inputs to a file.
 */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_251_107);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 2000);
/** Every Nth valid program's module is parsed by CPython (slow, so a sample). */
const PYTHON_SAMPLE = 10;

const repo = fileURLToPath(new URL('../../../', import.meta.url));

function pythonFiles(dir: string, name: RegExp): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...pythonFiles(path, name));
    else if (name.test(entry.name)) out.push(path);
  }
  return out.sort();
}

function corpus(): string[] {
  const files = [
    join(repo, 'examples/shop/app.py'),
    ...pythonFiles(join(repo, 'packages/frontend-python/test/fixtures'), /^input\.py$/),
    ...pythonFiles(join(repo, 'packages/conformance/scenarios'), /^app\.py$/),
  ];
  return files.filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8'));
}

interface Finding {
  input: string;
  problem: string;
}

/** Which sources CPython rejects (`ast.parse`), in one process. */
function pythonRejects(sources: string[]): Map<number, string> {
  const script =
    'import ast, json, sys\n' +
    'out = {}\n' +
    'for i, s in enumerate(json.load(sys.stdin)):\n' +
    '    try:\n' +
    '        ast.parse(s)\n' +
    '    except SyntaxError as e:\n' +
    '        out[i] = "%s (line %s)" % (e.msg, e.lineno)\n' +
    'json.dump(out, sys.stdout)\n';
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(sources), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, string>).map(([k, v]) => [Number(k), v]));
}

describe(`compile() fuzz (seed ${SEED}, ${RUNS} programs; FUZZ_SEED=${SEED} reproduces)`, () => {
  it('returns a valid program or diagnostics with a code and a span, never throws', async () => {
    const rnd = new Random(SEED);
    const donors = corpus();
    expect(donors.length).toBeGreaterThan(10);
    const findings: Finding[] = [];
    const sampled: { input: string; module: string }[] = [];
    let valid = 0;
    for (let i = 0; i < RUNS; i++) {
      let input: string;
      if (rnd.chance(0.35)) {
        input = generateProgram(rnd);
        if (rnd.chance(0.3)) input = mutate(input, rnd, donors);
      } else {
        input = rnd.pick(donors);
        for (let m = 1 + rnd.int(3); m > 0; m--) input = mutate(input, rnd, donors);
      }
      let result;
      try {
        result = await compile(input, { path: 'fuzz.py' });
      } catch (error) {
        findings.push({ input, problem: `compile threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` });
        continue;
      }
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      if (result.program) {
        if (errors.length > 0) findings.push({ input, problem: `a program and error diagnostics: ${errors.map((d) => d.code).join(', ')}` });
        const checked = validateProgram(JSON.parse(JSON.stringify(result.program)));
        if (!checked.ok) {
          findings.push({ input, problem: `invalid IR: ${checked.errors.slice(0, 3).map((e) => `${e.path} ${e.message}`).join('; ')}` });
          continue;
        }
        valid++;
        if (valid % PYTHON_SAMPLE === 0) sampled.push({ input, module: result.program.module.source });
      } else {
        if (errors.length === 0) findings.push({ input, problem: 'no program and no error diagnostic' });
        // SF1002 InternalError is how compile() reports its own crash: a bug, not a user mistake.
        const internal = errors.find((d) => d.code === 'SF1002');
        if (internal) findings.push({ input, problem: `compiler crash (SF1002): ${internal.message}` });
        for (const d of errors) {
          if (!/^SF\d{4}$/.test(d.code) || !d.span || d.span.line < 1 || d.span.column < 1) {
            findings.push({ input, problem: `diagnostic without a code or a span: ${JSON.stringify(d)}` });
          }
        }
      }
    }
    // A module that CPython rejects is a finding only when the user's own source parses.
    const moduleRejects = pythonRejects(sampled.map((s) => s.module));
    if (moduleRejects.size > 0) {
      const inputRejects = pythonRejects(sampled.map((s) => s.input));
      for (const [i, why] of moduleRejects) {
        if (!inputRejects.has(i)) findings.push({ input: sampled[i]!.input, problem: `emitted module does not parse: ${why}` });
      }
    }
    // FUZZ_DUMP=<file> writes every finding (input and problem) as JSON, to reproduce them.
    const dump = process.env['FUZZ_DUMP'];
    if (dump && findings.length > 0) writeFileSync(dump, JSON.stringify(findings, null, 2));
    const report = findings
      .slice(0, 3)
      .map((f) => `--- ${f.problem}\n${f.input}`)
      .join('\n');
    expect(findings.length, `${findings.length} findings (first 3 below; seed ${SEED})\n${report}`).toBe(0);
    expect(valid).toBeGreaterThan(RUNS / 20);
  }, 120_000);
});
