import { formatDiagnostic, type Diagnostic } from '@stateflow/ir';

/** Thrown by {@link LocalRuntime.start} when the program is not valid IR for this runtime. */
export class InvalidProgramError extends Error {
  override readonly name = 'InvalidProgramError';

  constructor(
    /** What is wrong (SF4xxx), as data. */
    readonly diagnostics: Diagnostic[],
  ) {
    const shown = diagnostics.slice(0, 5).map(formatDiagnostic).join('\n');
    const more = diagnostics.length > 5 ? `\n(${diagnostics.length - 5} more)` : '';
    super(`the program is not valid StateFlow IR:\n${shown}${more}`);
  }
}
