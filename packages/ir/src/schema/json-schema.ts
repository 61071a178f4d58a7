/** A JSON Schema document or subschema, as plain data (draft-07). */
export type JsonSchema = { [keyword: string]: unknown };

/** The JSON Schema dialect every StateFlow schema declares. */
export const JSON_SCHEMA_DIALECT = 'http://json-schema.org/draft-07/schema#';

/**
 * Builds a subschema for a union discriminated by `kind`: an unknown `kind` fails on
 * the `kind` property itself, and a known one is checked against its own definition
 * only (so errors name the one variant that was meant, not every alternative).
 *
 * @param variants - `kind` value to the name of its entry in `definitions`.
 */
export function kindUnion(variants: { [kind: string]: string }): JsonSchema {
  const kinds = Object.keys(variants);
  return {
    type: 'object',
    required: ['kind'],
    properties: { kind: { enum: kinds } },
    allOf: kinds.map((kind) => ({
      if: { properties: { kind: { const: kind } }, required: ['kind'] },
      then: { $ref: `#/definitions/${variants[kind]}` },
    })),
  };
}

/** An object schema with a constant `kind` and the given required properties. */
export function kindObject(
  kind: string,
  description: string,
  properties: { [name: string]: JsonSchema },
  required: string[],
): JsonSchema {
  return {
    description,
    type: 'object',
    required: ['kind', ...required],
    properties: { kind: { const: kind }, ...properties },
  };
}

/** `{ $ref: '#/definitions/<name>' }`. */
export function ref(name: string): JsonSchema {
  return { $ref: `#/definitions/${name}` };
}
