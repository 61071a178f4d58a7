import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema } from '../schema/json-schema.js';
import { escapePointer, type IrValidationError } from './validation-error.js';

let ajv: Ajv | undefined;

/** Compiles a schema with the one shared Ajv instance (all errors, strict about keywords). */
export function compileSchema(schema: JsonSchema): ValidateFunction {
  ajv ??= new Ajv({ allErrors: true, verbose: true, strictSchema: true, strictTypes: false, strictRequired: false });
  return ajv.compile(schema);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Turns one Ajv error into a pointer and a plain message; `undefined` for redundant ones. */
function convert(e: ErrorObject): IrValidationError | undefined {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'if':
      // Reported by the failing `then`/`else` subschema already.
      return undefined;
    case 'required':
      return { path: `${e.instancePath}/${escapePointer(String(p['missingProperty']))}`, message: 'is required' };
    case 'enum': {
      const allowed = (p['allowedValues'] as unknown[]).map((v) => String(v)).join(', ');
      if (e.instancePath.endsWith('/kind')) {
        return { path: e.instancePath, message: `unknown kind ${describe(e.data)}; expected one of: ${allowed}` };
      }
      return { path: e.instancePath, message: `must be one of: ${allowed} (got ${describe(e.data)})` };
    }
    case 'const':
      return { path: e.instancePath, message: `must be ${describe(p['allowedValue'])} (got ${describe(e.data)})` };
    case 'type':
      return { path: e.instancePath, message: `must be ${String(p['type'])} (got ${describe(e.data)})` };
    case 'minLength':
      return { path: e.instancePath, message: 'must not be empty' };
    case 'minItems':
      return { path: e.instancePath, message: `must have at least ${String(p['limit'])} item(s)` };
    case 'pattern':
      if (e.instancePath === '/irVersion') {
        return { path: e.instancePath, message: `must be a version MAJOR.MINOR.PATCH (got ${describe(e.data)})` };
      }
      return { path: e.instancePath, message: `must match ${String(p['pattern'])}` };
    case 'additionalProperties':
      return {
        path: `${e.instancePath}/${escapePointer(String(p['additionalProperty']))}`,
        message: 'is not allowed here',
      };
    case 'minProperties':
    case 'maxProperties':
      return { path: e.instancePath, message: `must have exactly one of 'ok' or 'error'` };
    default:
      return { path: e.instancePath, message: e.message ?? `fails ${e.keyword}` };
  }
}

/** Converts Ajv errors to validation errors: pointers, plain messages, no duplicates. */
export function convertAjvErrors(errors: readonly ErrorObject[] | null | undefined): IrValidationError[] {
  const out: IrValidationError[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    const c = convert(e);
    if (!c) continue;
    const id = `${c.path}\u0000${c.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(c);
  }
  return out;
}
