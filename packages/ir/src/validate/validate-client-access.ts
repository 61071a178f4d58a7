import type { ValidateFunction } from 'ajv';
import type { ClientAccess } from '../backend.js';
import { clientAccessSchema } from '../schema/client-access-schema.js';
import { compileSchema, convertAjvErrors } from './ajv-errors.js';
import type { IrValidationError } from './validation-error.js';

let validate: ValidateFunction | undefined;

/**
 * Checks that `value` is a {@link ClientAccess} (what a backend's `run` says about how
 * clients reach it), so that a tool reading it from a plugin fails with a clear message
 * instead of deep inside a transport. Never throws.
 */
export function validateClientAccess(value: unknown): { ok: true; access: ClientAccess } | { ok: false; errors: IrValidationError[] } {
  validate ??= compileSchema(clientAccessSchema);
  if (!validate(value)) return { ok: false, errors: convertAjvErrors(validate.errors) };
  return { ok: true, access: value as ClientAccess };
}
