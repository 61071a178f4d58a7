/**
 * The portable value encoding: every value that crosses a process or network
 * boundary (arguments, results, state, continuation variables) is JSON with tags.
 * Never pickle. The Python kernel implements the same rules; the shared vectors in
 * `test/fixtures/values.json` keep both sides identical.
 *
 * | Python                         | Encoded                                      |
 * |--------------------------------|----------------------------------------------|
 * | `None`, `True`, `"s"`          | `null`, `true`, `"s"`                          |
 * | `int` with abs < 2**53         | JSON number                                  |
 * | other `int`                    | `{"$int": "123456789012345678901"}`          |
 * | `float`, finite, non-integral  | JSON number                                  |
 * | other `float` (`2.0`, `nan`)   | `{"$float": "2.0"}` (`"nan"`, `"inf"`, `"-inf"`) |
 * | `bytes`                        | `{"$bytes": "<base64>"}`                     |
 * | `tuple`                        | `{"$tuple": [...]}`                          |
 * | `set` / `frozenset`            | `{"$set": [...]}`                            |
 * | `list`                         | JSON array                                   |
 * | `dict` with `str` keys not starting with `$` | JSON object                    |
 * | other `dict`                   | `{"$dict": [[k, v], ...]}`                   |
 * | entity instance or reference   | `{"$entity": "Item", "$key": "coke"}`        |
 * | exception (frame env only, 0.2)| `{"$exception": ["TypeName", "message"]}`    |
 */
export type EncodedValue =
  | null
  | boolean
  | number
  | string
  | EncodedValue[]
  | { [key: string]: EncodedValue };

/** An encoded reference to an entity instance. Keys are always the string form of `__key__()`. */
export interface EncodedEntityRef {
  $entity: string;
  $key: string;
}

/** Builds an encoded entity reference. */
export function entityRef(entity: string, key: string): EncodedEntityRef {
  return { $entity: entity, $key: key };
}

/** Whether an encoded value is an entity reference. */
export function isEntityRef(value: unknown): value is EncodedEntityRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as Record<string, unknown>)['$entity'] === 'string' &&
    typeof (value as Record<string, unknown>)['$key'] === 'string'
  );
}

function isTagged(value: { [key: string]: EncodedValue }, tag: string): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === tag;
}

/**
 * Converts an encoded value to the plain JSON shown to API users: tuples and sets
 * become arrays, tagged floats become numbers (non-finite ones stay tagged because
 * JSON has no NaN), big integers stay `{"$int": "..."}`, references and bytes stay tagged.
 */
export function toPlainJson(value: EncodedValue): EncodedValue {
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (value === null || typeof value !== 'object') return value;
  if (isTagged(value, '$tuple') || isTagged(value, '$set')) {
    const items = value['$tuple'] ?? value['$set'];
    return Array.isArray(items) ? items.map(toPlainJson) : items ?? null;
  }
  if (isTagged(value, '$float')) {
    const n = Number(value['$float']);
    return Number.isFinite(n) ? n : value;
  }
  if (isTagged(value, '$dict')) {
    const pairs = value['$dict'];
    if (Array.isArray(pairs)) {
      return { $dict: pairs.map((pair) => (Array.isArray(pair) ? pair.map(toPlainJson) : pair)) };
    }
    return value;
  }
  if (isEntityRef(value) || isTagged(value, '$int') || isTagged(value, '$bytes')) return value;
  const out: { [key: string]: EncodedValue } = {};
  for (const [k, v] of Object.entries(value)) out[k] = toPlainJson(v);
  return out;
}
