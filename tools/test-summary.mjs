// Adds up the test counts that vitest and pytest printed into one closing line,
// `N passed, N failed[, N skipped]`, so a CI log ends with the totals.
import { readFileSync } from 'node:fs';

const text = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
const totals = { passed: 0, failed: 0, skipped: 0 };

function add(fragment) {
  for (const [, n, what] of fragment.matchAll(/(\d+) (passed|failed|skipped|errors?)/g)) {
    const key = what.startsWith('error') ? 'failed' : what;
    totals[key] += Number(n);
  }
}

for (const line of text.split('\n')) {
  const vitest = line.match(/\bTests\s+(.*)\(\d+\)\s*$/);
  if (vitest && !/Test Files/.test(line)) add(vitest[1]);
  const pytest = line.match(/=+ (.* in [\d.]+s.*) =+\s*$/);
  if (pytest) add(pytest[1]);
}

const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
console.log(`\n${totals.passed} passed, ${totals.failed} failed${skipped}`);
