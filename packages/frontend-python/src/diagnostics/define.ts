import { makeDiagnostic as makeIrDiagnostic, type Diagnostic, type DefinedDiagnostic, type DiagnosticDetails, type SourceSpan } from '@stateflow/ir';

export { defineDiagnostics } from '@stateflow/ir';
export type { DefinedDiagnostic } from '@stateflow/ir';

/** Builds a {@link Diagnostic} from a table row, its details and the span it is about. */
export function makeDiagnostic<E extends DefinedDiagnostic>(
  def: E,
  details: DiagnosticDetails<E>,
  span: SourceSpan,
): Diagnostic {
  return makeIrDiagnostic(def, details, span.file, span);
}
