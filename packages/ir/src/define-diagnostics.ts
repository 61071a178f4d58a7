import type { Diagnostic, Severity } from './diagnostic.js';
import type { SourceSpan } from './source-span.js';

/**
 * One row of a diagnostic table: a stable code, a message built from typed details,
 * and how to fix it. `help` may depend on the details too.
 */
export interface DiagnosticDefinition<D = any> {
  /** Stable code, e.g. `SF4001`. Never reused. */
  code: string;
  /** @default 'error' */
  severity?: Severity;
  message: (details: D) => string;
  help?: string | ((details: D) => string);
  note?: string;
}

/** A table row after {@link defineDiagnostics}: it knows its own name and severity. */
export type DefinedDiagnostic<D = any> = DiagnosticDefinition<D> & { name: string; severity: Severity };

/** The table returned by {@link defineDiagnostics}. */
export type DiagnosticTable<T extends Record<string, DiagnosticDefinition>> = {
  readonly [K in keyof T]: T[K] & { name: K & string; severity: Severity };
};

/** The details type a table row's `message` takes. */
export type DiagnosticDetails<E> = E extends { message: (details: infer D) => string } ? D : never;

/**
 * Declares a table of diagnostics: PascalCase name to code, message builder and help.
 * Fills in each row's `name` and default severity (`error`). Throws on a code used
 * twice in the table (a bug in the table, found when the module loads).
 *
 * @example
 * export const EntityDiagnostics = defineDiagnostics({
 *   MissingKeyMethod: {
 *     code: 'SF2001',
 *     message: (d: { cls: string }) => `entity '${d.cls}' has no __key__()`,
 *     help: 'add `def __key__(self)` returning the partition key',
 *   },
 * });
 */
export function defineDiagnostics<
  T extends Record<string, { code: string; severity?: Severity; message: (d: any) => string; help?: string | ((d: any) => string); note?: string }>,
>(table: T): DiagnosticTable<T> {
  const out: Record<string, DefinedDiagnostic> = {};
  const seen = new Map<string, string>();
  for (const [name, def] of Object.entries(table)) {
    const other = seen.get(def.code);
    if (other !== undefined) {
      throw new Error(`diagnostic code ${def.code} is used by both ${other} and ${name}`);
    }
    seen.set(def.code, name);
    out[name] = { ...def, name, severity: def.severity ?? 'error' };
  }
  return out as DiagnosticTable<T>;
}

/** Optional parts of a diagnostic that depend on where it is reported. */
export interface DiagnosticExtras {
  /** Replaces the table's help. */
  help?: string;
  /** Replaces the table's note. */
  note?: string;
}

/**
 * Creates a {@link Diagnostic} from a table row, its details, and where it happened.
 *
 * @example makeDiagnostic(EntityDiagnostics.MissingKeyMethod, { cls: 'Item' }, 'app.py', span)
 */
export function makeDiagnostic<E extends DefinedDiagnostic>(
  entry: E,
  details: DiagnosticDetails<E>,
  file: string,
  span?: SourceSpan,
  extras: DiagnosticExtras = {},
): Diagnostic {
  const help = extras.help ?? (typeof entry.help === 'function' ? entry.help(details) : entry.help);
  const note = extras.note ?? entry.note;
  const d: Diagnostic = {
    code: entry.code,
    name: entry.name,
    severity: entry.severity,
    message: entry.message(details),
    file,
  };
  if (span) d.span = span;
  if (help !== undefined) d.help = help;
  if (note !== undefined) d.note = note;
  return d;
}
