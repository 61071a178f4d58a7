import type { ValidateFunction } from 'ajv';
import type { Program } from '../program.js';
import { irSchema } from '../schema/ir-schema.js';
import { IR_VERSION } from '../version.js';
import { isIrVersionCompatible, parseIrVersion, SUPPORTED_IR_RANGE } from '../version-range.js';
import { compileSchema, convertAjvErrors } from './ajv-errors.js';
import { checkProgramSemantics } from './semantic-checks.js';
import type { IrValidationError } from './validation-error.js';

let validate: ValidateFunction | undefined;

/**
 * Checks that `value` is a {@link Program} this package can read: first its `irVersion`
 * (must satisfy {@link SUPPORTED_IR_RANGE}; if not, that is the only error, since the
 * rest of the document may follow another format), then the IR schema, then the cross
 * references (unique names, block targets, entity/method/field names, block function
 * names). Never throws for bad input.
 *
 * @returns the program, typed, or every problem found as JSON pointers and messages.
 */
export function validateProgram(
  value: unknown,
): { ok: true; program: Program } | { ok: false; errors: IrValidationError[] } {
  const version = irVersionOf(value);
  if (version !== undefined && parseIrVersion(version) && !isIrVersionCompatible(version, SUPPORTED_IR_RANGE)) {
    return {
      ok: false,
      errors: [
        {
          path: '/irVersion',
          message: `irVersion '${version}' is not supported; @stateflow/ir reads ${SUPPORTED_IR_RANGE} (current ${IR_VERSION})`,
        },
      ],
    };
  }
  validate ??= compileSchema(irSchema);
  if (!validate(value)) return { ok: false, errors: convertAjvErrors(validate.errors) };
  const program = value as Program;
  const errors = checkProgramSemantics(program);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, program };
}

/** The `irVersion` of an object, if it has a string one. */
export function irVersionOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = (value as Record<string, unknown>)['irVersion'];
  return typeof v === 'string' ? v : undefined;
}
