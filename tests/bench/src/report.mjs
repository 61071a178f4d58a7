/** The result table and the goal check of the benchmark. */

const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const fmtMs = (n) => (Number.isFinite(n) ? n.toFixed(2) : '-');

/** A Markdown table of the result rows (also readable in a terminal). */
export function formatTable(rows) {
  const header = ['workload', 'keys', 'store', 'transport', 'host', 'ops/s', 'p50 ms', 'p99 ms', 'p99 ms @ 50% peak', 'max ms @ 50%', 'plain Python ops/s', 'overhead ×', 'errors'];
  const lines = rows.map((r) => [
    r.workload,
    r.dist,
    r.store,
    r.transport,
    r.host,
    fmtInt(r.opsPerSec),
    fmtMs(r.p50),
    fmtMs(r.p99),
    r.halfRate ? fmtMs(r.halfRate.p99) : '-',
    r.halfRate ? fmtMs(r.halfRate.max) : '-',
    fmtInt(r.plainPythonOpsPerSec),
    Number.isFinite(r.overhead) ? r.overhead.toFixed(0) : '-',
    String(r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells) => `| ${cells.map((c, i) => (i >= 5 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i >= 5 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [row(header), rule, ...lines.map(row)].join('\n');
}

/** The issue's goals, checked against the best matching row (information, never a test). */
export function goals(rows) {
  const best = (filter) => rows.filter(filter).reduce((a, r) => (a && a.opsPerSec >= r.opsPerSec ? a : r), undefined);
  const single = (r) => r.workload !== 'T' && r.transport === 'inproc';
  const check = (name, goal, row, value = row?.opsPerSec) =>
    row
      ? `goal ${name}: ${goal.toLocaleString('en-US')}/s, best ${fmtInt(value)}/s (${row.workload} ${row.dist} ${row.host}) ${value >= goal ? 'MET' : 'not met'}`
      : `goal ${name}: not measured in this run`;
  const out = [
    check('single-entity calls, in memory, in-process', 100_000, best((r) => single(r) && r.store === 'memory')),
    check('single-entity calls, durable, in-process', 30_000, best((r) => single(r) && r.store === 'durable')),
    check('transfers, in memory, in-process', 30_000, best((r) => r.workload === 'T' && r.transport === 'inproc' && r.store === 'memory')),
  ];
  const halves = rows.filter((r) => r.halfRate);
  if (halves.length > 0) {
    const worst = halves.reduce((a, r) => (a.halfRate.p99 >= r.halfRate.p99 ? a : r));
    const under = halves.filter((r) => r.halfRate.p99 < 10).length;
    out.push(`goal p99 < 10 ms at half of peak: ${under} of ${halves.length} runs; worst ${fmtMs(worst.halfRate.p99)} ms (${worst.workload} ${worst.dist} ${worst.store} ${worst.transport} ${worst.host})`);
  }
  return out;
}
