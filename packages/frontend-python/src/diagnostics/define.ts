import type { Diagnostic, Severity, SourceSpan } from '@stateflow/ir';

/**
 * One row of a diagnostics table: a stable code, a message built from typed details,
 * and how to fix it.
 */
export interface DiagnosticSpec<D> {
  code: string;
  severity?: Severity;
  message: (details: D) => string;
  help: string | ((details: D) => string);
}

/** A diagnostics table: PascalCase name to its spec. */
export type DiagnosticTable = Record<string, DiagnosticSpec<never>>;

/** The row of a defined table, with its name attached. */
export interface DefinedDiagnostic<D> extends DiagnosticSpec<D> {
  name: string;
}

/**
 * Declares a diagnostics table; each row learns its own name.
 * Local stand-in until `@stateflow/ir` ships the shared helper.
 */
export function defineDiagnostics<T extends Record<string, DiagnosticSpec<any>>>(
  table: T,
): { [K in keyof T]: T[K] & { name: K & string } } {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) out[name] = { ...spec, name };
  return out as { [K in keyof T]: T[K] & { name: K & string } };
}

/** Builds a {@link Diagnostic} from a table row, its details and where it happened. */
export function makeDiagnostic<D>(
  def: DefinedDiagnostic<D>,
  details: D,
  span: SourceSpan,
): Diagnostic {
  return {
    code: def.code,
    name: def.name,
    severity: def.severity ?? 'error',
    message: def.message(details),
    file: span.file,
    span,
    help: typeof def.help === 'function' ? def.help(details) : def.help,
  };
}
