import { describeStep } from './compare.js';
import type { ConformanceReport, ScenarioReport } from './types.js';

function failureLine(s: ScenarioReport): string {
  if (s.problem) return `${s.id}: ${s.problem}`;
  const first = s.failures[0]!;
  const more = s.failures.length > 1 ? ` (+${s.failures.length - 1} more failing steps)` : '';
  return `${s.id}: step ${first.index + 1} ${describeStep(first.step)}: ${first.diff}${more}`;
}

/**
 * The scoreboard of a run as text (a test's failure message when not every scenario passed):
 * `passed n/m`, a line per feature, and every failed scenario by name with its first
 * failing step. Deterministic for the same outcomes.
 */
export function formatScoreboard(report: ConformanceReport, title = 'StateFlow conformance'): string {
  const lines = [`# ${title}`, `passed ${report.passed}/${report.total}`, ''];
  const width = Math.max(0, ...report.features.map((f) => f.feature.length));
  for (const f of report.features) lines.push(`${f.feature.padEnd(width)}  ${f.passed}/${f.total}`);
  const failed = report.features.flatMap((f) => f.scenarios.filter((s) => !s.passed));
  lines.push('', failed.length === 0 ? 'no failures' : `failures (${failed.length}):`);
  for (const s of failed) lines.push(`- ${failureLine(s)}`);
  return `${lines.join('\n')}\n`;
}
