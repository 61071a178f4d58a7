import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { formatScoreboard, loadScenarios, runConformance, type ConformanceTarget } from '@stateflow/conformance';
import { backend, TemplateEngine } from '../src/index.js';

// The whole conformance kit, run against this backend. Each scenario is deployed the
// way a user would deploy it: `backend.build` writes an artifact, and the engine starts
// from that artifact on an empty state.

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

it('passes every scenario of the conformance kit', async () => {
  const scenarios = loadScenarios();
  const report = await runConformance(target, { scenarios });
  expect(report.total).toBe(scenarios.length);
  // On failure the message is the scoreboard: every failed scenario with its first failing step.
  expect(report.passed, formatScoreboard(report, 'template backend + CPython subprocess')).toBe(report.total);
}, 600_000);
