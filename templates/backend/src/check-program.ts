import { assertIr, type Diagnostic, type Program } from '@stateflow/ir';

/**
 * The `irVersion`s this backend reads. It runs programs through the Python kernel, which
 * reads every IR the installed `@stateflow/ir` reads (0.2 added error continuations and the
 * `$exception` value tag, both handled inside the kernel), so both minors are accepted. Widen this only after running the conformance kit on the new
 * version.
 */
export const TEMPLATE_IR_VERSIONS = '^0.1 || ^0.2';

/**
 * The program is not valid IR, or of an `irVersion` this backend does not read.
 * `diagnostics` are SF4001/SF4002 diagnostics from `assertIr`; the `stateflow` CLI prints
 * them like compiler errors when `build` throws an error carrying `diagnostics`.
 */
export class InvalidProgramError extends Error {
  override name = 'InvalidProgramError';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(`the program cannot run on the template backend: ${diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  }
}

/**
 * Step one of every backend: never trust the IR you are given. `assertIr` checks the
 * `irVersion` against our range, the JSON Schema, and the cross references (blocks,
 * entities, methods); it never throws. We throw one error carrying all its diagnostics.
 */
export function checkProgram(value: unknown): Program {
  const { program, diagnostics } = assertIr(value, TEMPLATE_IR_VERSIONS);
  if (!program) throw new InvalidProgramError(diagnostics);
  return program;
}
