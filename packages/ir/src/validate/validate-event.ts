import type { ValidateFunction } from 'ajv';
import type { Event } from '../envelope.js';
import { eventSchema } from '../schema/event-schema.js';
import { compileSchema, convertAjvErrors } from './ajv-errors.js';
import type { IrValidationError } from './validation-error.js';

let validate: ValidateFunction | undefined;

/**
 * Checks that `value` is an {@link Event} of the envelope (routing fields, frames,
 * results). User values inside are any JSON; their tags are not checked. Never throws.
 */
export function validateEvent(
  value: unknown,
): { ok: true; event: Event } | { ok: false; errors: IrValidationError[] } {
  validate ??= compileSchema(eventSchema);
  if (!validate(value)) return { ok: false, errors: convertAjvErrors(validate.errors) };
  return { ok: true, event: value as Event };
}
