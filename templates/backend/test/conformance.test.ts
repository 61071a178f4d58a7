import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { formatScoreboard, loadScenarios, runConformance, type ConformanceTarget } from '@stateflow/conformance';
import { backend, TemplateEngine } from '../src/index.js';

// The whole conformance kit, run against this backend. Each scenario is deployed the
// way a user would deploy it: `backend.build` writes an artifact, and the engine starts
// from that artifact on an empty state.

const snapFile = fileURLToPath(new URL('../conformance.template.snap', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'stateflow-template-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let deployments = 0;
const target: ConformanceTarget = {
  async deploy(program) {
    const { outDir } = await backend.build(program, { outDir: join(work, `app-${++deployments}`) }, { log: () => {} });
    const engine = await TemplateEngine.fromArtifact(outDir);
    return {
      create: (entity, args, kwargs) => engine.create(entity, args, kwargs),
      invoke: (entity, key, method, args, kwargs) => engine.invoke(entity, key, method, args, kwargs),
      getState: async (entity, key) => engine.getState(entity, key),
      close: () => engine.stop(),
    };
  },
};

it('passes the conformance kit as recorded in conformance.template.snap (UPDATE=1 rewrites it)', async () => {
  const scenarios = loadScenarios();
  const report = await runConformance(target, { scenarios });
  expect(report.total).toBe(scenarios.length);
  const board = formatScoreboard(report, 'template backend + CPython subprocess');
  if (process.env['UPDATE'] === '1') writeFileSync(snapFile, board);
  const committed = existsSync(snapFile) ? readFileSync(snapFile, 'utf8') : '(no scoreboard committed yet)';
  expect(board, 'the scoreboard changed; if that is intended, run UPDATE=1 pnpm -F @stateflow/backend-template test').toBe(committed);

  // A new backend should pass at least what the embedded runtime passes: every scenario
  // failing here must fail there too (its scoreboard ships with the kit).
  const failedHere = report.features.flatMap((f) => f.scenarios.filter((s) => !s.passed).map((s) => s.id));
  const kitDir = dirname(createRequire(import.meta.url).resolve('@stateflow/conformance/package.json'));
  const local = readFileSync(join(kitDir, 'conformance.local.snap'), 'utf8');
  const failedLocally = new Set([...local.matchAll(/^- ([\w-]+\/[\w-]+):/gm)].map((m) => m[1]));
  expect(local).toMatch(/^passed \d+\/\d+$/m); // it is a scoreboard
  expect(failedHere.filter((id) => !failedLocally.has(id)), 'scenarios that pass on LocalRuntime but fail here').toEqual([]);
}, 600_000);
