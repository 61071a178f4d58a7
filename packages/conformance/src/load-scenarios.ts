import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic, EncodedValue, Program } from '@stateflow/ir';
import type { Expect, Scenario, Step } from './types.js';

/** Absolute path of the shipped `scenarios` folder (next to `dist` in the package). */
export function scenariosDir(): string {
  return fileURLToPath(new URL('../scenarios/', import.meta.url));
}

interface RawStep {
  op: Step['op'];
  entity: string;
  key?: string;
  method?: string;
  args?: EncodedValue[];
  kwargs?: { [name: string]: EncodedValue };
  compareMessage?: boolean;
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function toStep(raw: RawStep, expect: Expect, where: string): Step {
  const base = { entity: raw.entity, expect, ...(raw.compareMessage ? { compareMessage: true } : {}) };
  switch (raw.op) {
    case 'create':
      return { op: 'create', ...base, args: raw.args ?? [], kwargs: raw.kwargs ?? {} };
    case 'invoke':
      return {
        op: 'invoke',
        ...base,
        key: String(raw.key),
        method: String(raw.method),
        args: raw.args ?? [],
        kwargs: raw.kwargs ?? {},
      };
    case 'get':
      return { op: 'get', ...base, key: String(raw.key) };
    default:
      throw new Error(`${where}: unknown step op ${JSON.stringify((raw as { op: unknown }).op)}`);
  }
}

/** Reads one scenario folder (`app.py`, `scenario.json`, `expected.json`, `program.ir.json`). */
export function loadScenario(dir: string, feature: string, name: string): Scenario {
  const raw = readJson(join(dir, 'scenario.json')) as RawStep[];
  const expectedFile = join(dir, 'expected.json');
  if (!existsSync(expectedFile)) {
    throw new Error(`${feature}/${name}: expected.json is missing; run \`pnpm -F @stateflow/conformance gen\``);
  }
  const expected = readJson(expectedFile) as { expect: Expect[] };
  if (expected.expect.length !== raw.length) {
    throw new Error(
      `${feature}/${name}: expected.json has ${expected.expect.length} results for ${raw.length} steps; run \`pnpm -F @stateflow/conformance gen\``,
    );
  }
  const scenario: Scenario = {
    id: `${feature}/${name}`,
    feature,
    name,
    dir,
    source: readFileSync(join(dir, 'app.py'), 'utf8'),
    steps: raw.map((s, i) => toStep(s, expected.expect[i]!, `${feature}/${name} step ${i}`)),
  };
  const irFile = join(dir, 'program.ir.json');
  if (existsSync(irFile)) {
    const ir = readJson(irFile) as { program?: Program; diagnostics?: Diagnostic[] };
    if (ir.program) scenario.program = ir.program;
    if (ir.diagnostics) scenario.diagnostics = ir.diagnostics;
  }
  return scenario;
}

function subdirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/**
 * Reads every shipped scenario, sorted by feature then name. Works from `node_modules`:
 * the files are resolved relative to this package. `dir` overrides the folder.
 */
export function loadScenarios(dir: string = scenariosDir()): Scenario[] {
  const out: Scenario[] = [];
  for (const feature of subdirs(dir)) {
    for (const name of subdirs(join(dir, feature))) {
      const sdir = join(dir, feature, name);
      if (existsSync(join(sdir, 'scenario.json'))) out.push(loadScenario(sdir, feature, name));
    }
  }
  return out;
}
