import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Keeps the harness from rotting: it must run end to end and print its table. No timing
// is asserted (the numbers depend on the machine).
const PKG = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'sf-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pnpm bench --quick', () => {
  it('runs every workload on both stores and transports and prints a table', () => {
    const out = join(dir, 'quick.json');
    const run = spawnSync(process.execPath, ['src/main.mjs', '--quick', '--duration', '0.15', '--dist', 'zipf', '--out', out], {
      cwd: PKG,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(run.stderr).not.toContain('bench failed');
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/\[1\/12\] A zipf memory inproc subprocess/);
    expect(run.stdout).toMatch(/\| workload \| keys +\| store +\| transport \| host +\| +ops\/s \| p50 ms \| p99 ms \|/);
    expect(run.stdout).toContain('goal single-entity calls, in memory, in-process: 100,000/s');
    const result = JSON.parse(readFileSync(out, 'utf8'));
    expect(result.rows).toHaveLength(12);
    for (const row of result.rows) {
      expect(row.errors).toBe(0);
      expect(row.opsPerSec).toBeGreaterThan(0);
      expect(row.halfRate.p99).toBeGreaterThan(0);
    }
    expect(Object.keys(result.reference).sort()).toEqual(['A/zipf', 'B/zipf', 'T/zipf']);
    expect(result.machine.cores).toBeGreaterThan(0);
  });
});
