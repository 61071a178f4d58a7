// Adds up the test counts that vitest and pytest printed into one closing line,
// `N passed, N failed[, N skipped]`, so a CI log ends with the totals.
// Usage: node tools/test-summary.mjs LOG
import { readFileSync } from 'node:fs';

const text = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
const totals = { passed: 0, failed: 0, skipped: 0 };

function add(fragment) {
  for (const [, n, what] of fragment.matchAll(/(\d+) (passed|failed|skipped|errors?)\b/g)) {
    const key = what.startsWith('error') ? 'failed' : what;
    totals[key] += Number(n);
  }
}

// Where a test run's totals stand. Each pattern takes the counts out of one line; a line
// counts once. turbo puts `<package>:<task>: ` before every line of a package's output.
const SUMMARIES = [
  // vitest: ` Tests  3 failed | 40 passed | 2 skipped (45)` (not `Test Files ...`).
  /\bTests\s+(.*)\(\d+\)\s*$/,
  // pytest: `===== 2 failed, 40 passed in 1.23s =====`.
  /=+ (.* in [\d.]+s.*) =+\s*$/,
  // pytest -q: the same counts, alone on the line: `40 passed, 2 skipped in 1.23s (0:00:01)`.
  /^(?:[\w@/.-]+:[\w:-]+: )?\s*((?:\d+ \w+)(?:, \d+ \w+)* in [\d.]+s(?: \([\d:]+\))?)\s*$/,
];

for (const line of text.split('\n')) {
  if (/Test Files/.test(line)) continue;
  for (const pattern of SUMMARIES) {
    const found = line.match(pattern);
    if (found) {
      add(found[1]);
      break;
    }
  }
}

const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
console.log(`\n${totals.passed} passed, ${totals.failed} failed${skipped}`);
