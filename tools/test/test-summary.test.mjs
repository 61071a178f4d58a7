import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

// The closing line of a CI log (`.ci/run`): the totals of every vitest and pytest run in it.

const script = fileURLToPath(new URL('../test-summary.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sf-test-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The summary line of a log made of `lines`. */
function summary(lines) {
  const log = join(dir, 'ci.log');
  writeFileSync(log, lines.join('\n') + '\n');
  const r = spawnSync(process.execPath, [script, log], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

it("adds up vitest's Tests lines and pytest's ==== lines, colours and all", () => {
  expect(
    summary([
      '@stateflow/ir:test:  Test Files  12 passed (12)',
      '@stateflow/ir:test:       Tests  \x1b[32m140 passed\x1b[39m | 2 skipped (142)',
      ' Tests  1 failed | 9 passed (10)',
      '============ 1 failed, 30 passed, 3 skipped, 1 error in 4.20s ============',
    ]),
  ).toBe('179 passed, 3 failed, 5 skipped');
});

it("counts pytest's -q summary line, alone or behind turbo's package prefix", () => {
  expect(
    summary([
      '........................................................................ [ 90%]',
      '....s...                                                                 [100%]',
      '79 passed, 1 skipped in 3.02s',
      '@stateflow/python-kernel:test: 212 passed, 4 skipped in 65.43s (0:01:05)',
      '@stateflow/ingress-fuzz-tests:test: 2 failed, 17 passed, 1 xfailed, 1 warning in 9.87s',
      '1 error in 0.05s',
    ]),
  ).toBe('308 passed, 3 failed, 5 skipped');
});

it('leaves alone lines that only look like counts, and counts each line once', () => {
  expect(
    summary([
      'smoke: 1 passed, 0 failed',
      '[flink-tests] conformance: 57 passed in the combined program',
      'passed 57/57 in 12.0s',
      'we saw 3 passed in 2.0s earlier today',
      '==== 2 passed in 0.10s ====',
    ]),
  ).toBe('2 passed, 0 failed');
});

it('says 0 passed, 0 failed for a log without test runs', () => {
  expect(summary(['==> setting up the engines'])).toBe('0 passed, 0 failed');
});
