import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compile } from '@stateflow/frontend-python';
import { loadCombined, loadScenarios, scenariosDir } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const regen = 'run `pnpm -F @stateflow/conformance gen` (after `pnpm build`) and review the diff';

const FEATURES = [
  'basics', 'loops', 'for-iterables', 'break-continue-else', 'evaluation-order', 'short-circuit',
  'conditional-expr', 'try-except', 'user-exceptions', 'kwargs-defaults', 'self-calls', 'recursion',
  'entity-refs-in-state', 'create-in-method', 'comprehensions', 'module-helpers',
];

describe('the shipped scenarios', () => {
  const scenarios = loadScenarios();

  it('cover every feature with 2 to 8 scenarios each', () => {
    const counts = new Map<string, number>();
    for (const s of scenarios) counts.set(s.feature, (counts.get(s.feature) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...FEATURES].sort());
    for (const [feature, n] of counts) expect(n, feature).toBeGreaterThanOrEqual(2);
    for (const [feature, n] of counts) expect(n, feature).toBeLessThanOrEqual(8);
  });

  it('have expected.json equal to what plain Python gives now', () => {
    const out = JSON.parse(
      execFileSync(process.env['STATEFLOW_PYTHON'] ?? 'python3', [join(root, 'reference/run_plain.py'), ...scenarios.map((s) => join('scenarios', s.id))], {
        cwd: root,
        encoding: 'utf8',
      }),
    ) as { scenarios: Record<string, unknown[]> };
    for (const s of scenarios) {
      const committed = JSON.parse(readFileSync(join(s.dir, 'expected.json'), 'utf8')) as { expect: unknown[] };
      expect(committed.expect, `${s.id}: expected.json is stale; ${regen}`).toEqual(out.scenarios[join('scenarios', s.id)]);
    }
  });

  it('have program.ir.json equal to what the compiler gives now', async () => {
    for (const s of scenarios) {
      const { program, diagnostics } = await compile(s.source, { path: 'app.py' });
      const committed = JSON.parse(readFileSync(join(scenariosDir(), s.id, 'program.ir.json'), 'utf8')) as Record<string, unknown>;
      const now = JSON.parse(JSON.stringify(program ? { program } : { diagnostics })) as Record<string, unknown>;
      delete committed['generated'];
      expect(committed, `${s.id}: program.ir.json is stale; ${regen}`).toEqual(now);
    }
  });

  it('have combined.ir.json equal to what combine.py and the compiler give now', async () => {
    const now = JSON.parse(
      execFileSync(process.env['STATEFLOW_PYTHON'] ?? 'python3', [join(root, 'reference/combine.py'), ...scenarios.map((s) => join('scenarios', s.id))], {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      }),
    ) as { source: string; renames: unknown; excluded: unknown };
    const { program, diagnostics } = await compile(now.source, { path: 'combined.py' });
    expect(diagnostics.filter((d) => d.severity === 'error'), 'the combined module must compile').toEqual([]);
    const committed = loadCombined();
    expect(committed.renames, `combined.ir.json is stale; ${regen}`).toEqual(now.renames);
    expect(committed.excluded, `combined.ir.json is stale; ${regen}`).toEqual(now.excluded);
    expect(committed.program, `combined.ir.json is stale; ${regen}`).toEqual(JSON.parse(JSON.stringify(program)));
  });
});
