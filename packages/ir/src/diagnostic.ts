import type { SourceSpan } from './source-span.js';

/** How bad a {@link Diagnostic} is: an error stops compilation, a warning or a note does not. */
export type Severity = 'error' | 'warning' | 'note';

/**
 * A problem found in user input, as data. Code ranges: SF1xxx syntax, SF2xxx entity
 * model, SF3xxx control flow and splitting, SF4xxx IR validation, SF5xxx backend
 * capability. Codes are never reused.
 */
export interface Diagnostic {
  /** Stable code, e.g. `SF2001`. */
  code: string;
  /** PascalCase name, e.g. `MissingKeyMethod`. */
  name: string;
  severity: Severity;
  message: string;
  /** File the problem is in (also in `span.file`). */
  file: string;
  span?: SourceSpan;
  /** How to fix it. */
  help?: string;
  note?: string;
}

/** Formats a diagnostic as one line: `path:line:col: error CODE: message`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.span ? `${d.file}:${d.span.line}:${d.span.column}` : d.file;
  const help = d.help ? `\n  help: ${d.help}` : '';
  return `${where}: ${d.severity} ${d.code}: ${d.message}${help}`;
}
