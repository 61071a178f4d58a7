import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPythonHost, type PythonHost } from '@stateflow/python-host';
import { formatScoreboard, loadCombined, loadScenarios, runConformance, runConformanceCombined } from '../src/index.js';
import { localTarget } from './support/local-target.js';

describe.each(['pyodide', 'subprocess'] as const)('conformance of LocalRuntime on the %s host', (kind) => {
  let host: PythonHost;

  beforeAll(async () => {
    host = await createPythonHost({ kind, stderr: 'capture' });
  }, 120_000);

  afterAll(async () => {
    await host?.close();
  });

  it('passes every scenario of the kit', async () => {
    const scenarios = loadScenarios();
    const report = await runConformance(localTarget(host), { scenarios, stepTimeoutMs: 30_000 });
    expect(report.total).toBe(scenarios.length);
    // The scoreboard names every failed scenario and its first failing step.
    expect(report.passed, formatScoreboard(report, `LocalRuntime + ${kind} host`)).toBe(report.total);
  }, 600_000);
});

describe('the combined program (every scenario program in one deployment)', () => {
  it('holds every scenario, and each passes on one shared LocalRuntime, several at a time', async () => {
    const host = await createPythonHost({ kind: 'subprocess', stderr: 'capture' });
    try {
      const scenarios = loadScenarios();
      expect(Object.keys(loadCombined().excluded)).toEqual([]);
      let deployments = 0;
      const target = localTarget(host);
      const counting = { deploy: (p: Parameters<typeof target.deploy>[0]) => (deployments++, target.deploy(p)) };
      const report = await runConformanceCombined(counting, { scenarios, concurrency: 8, stepTimeoutMs: 30_000 });
      expect(report.total).toBe(scenarios.length);
      expect(report.passed, formatScoreboard(report, 'LocalRuntime, combined program')).toBe(report.total);
      expect(deployments).toBe(1);
    } finally {
      await host.close();
    }
  }, 600_000);
});
