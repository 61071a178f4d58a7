import { formatDiagnostic, type Diagnostic } from '@stateflow/ir';

/** Renders diagnostics as text, one `path:line:col: error CODE: message` block each, and a count line. */
export function renderDiagnosticsText(diagnostics: readonly Diagnostic[]): string {
  if (diagnostics.length === 0) return '';
  const blocks = diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join('');
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  const parts = [];
  if (errors > 0) parts.push(plural(errors, 'error'));
  if (warnings > 0) parts.push(plural(warnings, 'warning'));
  return parts.length > 0 ? `${blocks}${parts.join(', ')}\n` : blocks;
}

/** Renders diagnostics as a JSON array (one line per diagnostic for readable diffs). */
export function renderDiagnosticsJson(diagnostics: readonly Diagnostic[]): string {
  if (diagnostics.length === 0) return '[]\n';
  return `[\n${diagnostics.map((d) => `  ${JSON.stringify(d)}`).join(',\n')}\n]\n`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
