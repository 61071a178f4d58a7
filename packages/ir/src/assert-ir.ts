import type { Diagnostic } from './diagnostic.js';
import { IrDiagnostics } from './diagnostics.js';
import { makeDiagnostic } from './define-diagnostics.js';
import type { Program } from './program.js';
import { irVersionOf, validateProgram } from './validate/validate-program.js';
import { isIrVersionCompatible, parseIrVersion, SUPPORTED_IR_RANGE } from './version-range.js';

/** Options of {@link assertIr}. */
export interface AssertIrOptions {
  /**
   * File named in the diagnostics.
   * @default the program's `module.path` when readable, else `'<ir>'`
   */
  file?: string;
}

function fileOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const module = (value as Record<string, unknown>)['module'];
  if (typeof module !== 'object' || module === null) return undefined;
  const path = (module as Record<string, unknown>)['path'];
  return typeof path === 'string' && path.length > 0 ? path : undefined;
}

/**
 * The check every backend runs first: is `value` a valid program whose `irVersion`
 * satisfies `range` (the versions the backend accepts, e.g. `'^0.1'`)? Returns SF4001
 * for an unsupported `irVersion` (by the backend or by this build of `@stateflow/ir`),
 * or one SF4002 per schema or semantic violation, each naming its JSON path. Never throws
 * for bad input; `program` is set exactly when there are no diagnostics.
 *
 * @example
 * const { program, diagnostics } = assertIr(JSON.parse(text), '^0.1');
 * if (!program) return { diagnostics };
 */
export function assertIr(
  value: unknown,
  range: string,
  options: AssertIrOptions = {},
): { program?: Program; diagnostics: Diagnostic[] } {
  const file = options.file ?? fileOf(value) ?? '<ir>';
  const version = irVersionOf(value);
  // A malformed irVersion is a schema violation (SF4002), reported below.
  if (version !== undefined && parseIrVersion(version)) {
    for (const accepted of [range, SUPPORTED_IR_RANGE]) {
      if (!isIrVersionCompatible(version, accepted)) {
        return {
          diagnostics: [makeDiagnostic(IrDiagnostics.UnsupportedIrVersion, { version, range: accepted }, file)],
        };
      }
    }
  }
  const result = validateProgram(value);
  if (result.ok) return { program: result.program, diagnostics: [] };
  return {
    diagnostics: result.errors.map((e) => makeDiagnostic(IrDiagnostics.InvalidIr, e, file)),
  };
}
