import { entityRef, isEntityRef, type EncodedValue } from '@stateflow/ir';

/** Smallest and largest values of an Arrow Int64 column. */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
const SAFE = 2n ** 53n;

function isTagged(value: EncodedValue, tag: string): value is { [key: string]: EncodedValue } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === tag;
}

/** The integer an encoded `int` stands for (`5` or `{"$int": "..."}`), or `undefined` if it is not an int. */
export function decodeInt(value: EncodedValue): bigint | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  if (isTagged(value, '$int') && typeof value['$int'] === 'string' && /^-?\d+$/.test(value['$int'])) {
    return BigInt(value['$int']);
  }
  return undefined;
}

/** Encodes an integer: a JSON number when its absolute value is below 2**53, else `{"$int": "..."}`. */
export function encodeInt(value: bigint): EncodedValue {
  return value < SAFE && value > -SAFE ? Number(value) : { $int: value.toString() };
}

/** The float an encoded `float` (or `int`) stands for, or `undefined`. */
export function decodeFloat(value: EncodedValue): number | undefined {
  if (typeof value === 'number') return value;
  if (isTagged(value, '$float') && typeof value['$float'] === 'string') return parsePythonFloat(value['$float']);
  if (isTagged(value, '$int')) {
    const n = decodeInt(value);
    return n === undefined ? undefined : Number(n);
  }
  return undefined;
}

/** Parses Python float text (`repr`): `1.5`, `2.0`, `1e+300`, `nan`, `inf`, `-inf`. */
export function parsePythonFloat(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'nan' || t === '+nan' || t === '-nan') return NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/**
 * Encodes a float as the kernel does: finite non-integral floats are JSON numbers,
 * the others `{"$float": repr(x)}` (`"2.0"`, `"-0.0"`, `"1e+16"`, `"nan"`, `"inf"`).
 */
export function encodeFloat(value: number): EncodedValue {
  if (Number.isFinite(value) && !Number.isInteger(value)) return value;
  return { $float: pythonFloatRepr(value) };
}

/** Python's `repr` of an integral or non-finite float. */
function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Object.is(value, -0)) return '-0.0';
  // Python switches to exponent notation at 1e16.
  if (Math.abs(value) >= 1e16) return value.toExponential();
  return `${value.toFixed(0)}.0`;
}

/**
 * The bytes an encoded `bytes` value (`{"$bytes": "<base64>"}`) stands for, or `undefined`.
 * A `bytearray` (`{"$bytearray": ...}`) in a field annotated `bytes` exports as binary
 * too (it imports back as `bytes`).
 */
export function decodeBytes(value: EncodedValue): Uint8Array | undefined {
  if (isTagged(value, '$bytes') && typeof value['$bytes'] === 'string') return Buffer.from(value['$bytes'], 'base64');
  if (isTagged(value, '$bytearray') && typeof value['$bytearray'] === 'string') return Buffer.from(value['$bytearray'], 'base64');
  return undefined;
}

/** Encodes bytes as `{"$bytes": "<base64>"}`. */
export function encodeBytes(value: Uint8Array): EncodedValue {
  return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
}

/** The key of an encoded reference to an instance of `entity`, or `undefined`. */
export function decodeRef(value: EncodedValue, entity: string): string | undefined {
  return isEntityRef(value) && value.$entity === entity ? value.$key : undefined;
}

/** Encodes a reference to an instance of `entity`. */
export function encodeRef(entity: string, key: string): EncodedValue {
  return entityRef(entity, key) as unknown as EncodedValue;
}

/** A short description of an encoded value for messages: `"abc" (a str)`. */
export function describeValue(value: EncodedValue): string {
  const text = JSON.stringify(value);
  const shown = text.length > 40 ? `${text.slice(0, 37)}...` : text;
  return `${shown} (${pythonTypeName(value)})`;
}

function pythonTypeName(value: EncodedValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return 'a bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an int' : 'a float';
  if (typeof value === 'string') return 'a str';
  if (Array.isArray(value)) return 'a list';
  if (isEntityRef(value)) return `a reference to ${value.$entity}`;
  for (const [tag, name] of [
    ['$int', 'an int'],
    ['$float', 'a float'],
    ['$bytes', 'bytes'],
    ['$tuple', 'a tuple'],
    ['$set', 'a set'],
    ['$frozenset', 'a frozenset'],
    ['$bytearray', 'a bytearray'],
    ['$dict', 'a dict'],
    ['$date', 'a date'],
    ['$time', 'a time'],
    ['$datetime', 'a datetime'],
    ['$timedelta', 'a timedelta'],
    ['$decimal', 'a Decimal'],
    ['$uuid', 'a UUID'],
    ['$enum', 'an enum member'],
  ] as const) {
    if (isTagged(value, tag)) return name;
  }
  return 'a dict';
}
