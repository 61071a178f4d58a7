import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPythonHost, type PythonHost } from '@stateflow/python-host';
import { formatScoreboard, loadScenarios, runConformance } from '../src/index.js';
import { localTarget } from './support/local-target.js';
import { readSection, writeSection } from './support/snapshot.js';

const snapFile = fileURLToPath(new URL('../conformance.local.snap', import.meta.url));
const update = process.env['UPDATE'] === '1';

describe.each(['pyodide', 'subprocess'] as const)('conformance of LocalRuntime on the %s host', (kind) => {
  let host: PythonHost;

  beforeAll(async () => {
    host = await createPythonHost({ kind, stderr: 'capture' });
  }, 120_000);

  afterAll(async () => {
    await host?.close();
  });

  it('matches the committed scoreboard (conformance.local.snap; UPDATE=1 rewrites it)', async () => {
    const scenarios = loadScenarios();
    const report = await runConformance(localTarget(host), { scenarios, stepTimeoutMs: 30_000 });
    expect(report.total).toBe(scenarios.length);
    const title = `LocalRuntime + ${kind} host`;
    const board = formatScoreboard(report, title);
    if (update) writeSection(snapFile, title, board);
    else expect(board, `the scoreboard changed; if that is intended, run UPDATE=1 pnpm -F @stateflow/conformance test`).toBe(readSection(snapFile, title));
  }, 600_000);
});
