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
 * | `bytearray`                    | `{"$bytearray": "<base64>"}`                 |
 * | `tuple`                        | `{"$tuple": [...]}`                          |
 * | `set`                          | `{"$set": [...]}`                            |
 * | `frozenset`                    | `{"$frozenset": [...]}`                      |
 * | `list`                         | JSON array                                   |
 * | `dict` with `str` keys not starting with `$` | JSON object                    |
 * | other `dict`                   | `{"$dict": [[k, v], ...]}`                   |
 * | `datetime.date`                | `{"$date": "2024-02-29"}` (`isoformat()`)    |
 * | `datetime.time`                | `{"$time": "13:05:00.250000+01:00"}` (`isoformat()`) |
 * | `datetime.datetime`            | `{"$datetime": "2024-02-29T13:05:00+00:00"}` (`isoformat()`) |
 * | `datetime.timedelta`           | `{"$timedelta": [days, seconds, microseconds]}` |
 * | `decimal.Decimal`              | `{"$decimal": "1.10"}` (`str()`)             |
 * | `uuid.UUID`                    | `{"$uuid": "0f8fad5b-d9cb-469f-a165-70867728950e"}` |
 * | member of an `Enum` class of the program | `{"$enum": ["Color", "RED"]}` (class, member name) |
 * | entity instance or reference   | `{"$entity": "Item", "$key": "coke"}`        |
 * | exception (frame env only, 0.2)| `{"$exception": ["TypeName", "message"]}`    |
 *
 * Set members are sorted so that equal sets encode equally. A time zone other than a
 * fixed offset is kept as its offset at that moment (a `datetime` with `ZoneInfo`
 * decodes with `timezone(offset)`); `fold` is not kept. An `Enum` class must be defined
 * at the top level of the program's module (the decoder finds it there by name).
 * Subclasses of the builtin types (`IntEnum` aside, a `namedtuple`, a `str` subclass)
 * are not portable and fail to encode.
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
 * Converts an encoded value to the plain JSON shown to API users: tuples, sets and
 * frozensets become arrays, tagged floats become numbers (non-finite ones stay tagged
 * because JSON has no NaN), big integers stay `{"$int": "..."}`; references, bytes,
 * dates and times, decimals, UUIDs and enum members stay tagged (a client that reads
 * them back gets the same Python value).
 */
export function toPlainJson(value: EncodedValue): EncodedValue {
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (value === null || typeof value !== 'object') return value;
  if (isTagged(value, '$tuple') || isTagged(value, '$set') || isTagged(value, '$frozenset')) {
    const items = value['$tuple'] ?? value['$set'] ?? value['$frozenset'];
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
  if (isEntityRef(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0]!.startsWith('$')) return value;
  // fromEntries defines own properties, so a `__proto__` key stays a key (assignment would set the prototype).
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlainJson(v)]));
}
