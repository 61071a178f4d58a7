import { REQUEST_VALUE_TAGS, type EncodedValue, type TypeRef } from '@stateflow/ir';
import { EntityRef } from '../entity-ref.js';
import { ValueCodecError } from '../errors.js';
import { base64ToBytes } from './base64.js';
import { describeType, describeValue } from './describe.js';
import { bytearray, frozenset, isPythonValueTag, PythonValue } from './python-values.js';
import { tuple } from './tuple.js';

/** How Python `int` values are represented in TypeScript. */
export type IntMode = 'number' | 'bigint';

/** Options of {@link decodeValue}. */
export interface DecodeOptions {
  /**
   * How a value declared `int` is returned: `'number'` (an integer beyond 2^53 is a
   * {@link ValueCodecError}, since a `number` cannot hold it exactly) or `'bigint'`
   * (every `int` is a `bigint`). Values without a declared type (`Any`) return big
   * integers as `bigint` and the others as `number` in both modes.
   * @default 'number'
   */
  int?: IntMode;
}

/**
 * Decodes a value in the portable encoding to TypeScript values: big integers →
 * `bigint`, tagged floats → `number` (`NaN`, `±Infinity` included), bytes →
 * `Uint8Array` (a bytearray → one marked by {@link bytearray}), tuples → frozen arrays
 * ({@link tuple}), sets → `Set` (a frozenset → one marked by {@link frozenset}), `$dict`
 * → `Map`, references → {@link EntityRef}, dates, times, timedeltas, decimals, UUIDs and
 * enum members → {@link PythonValue}, lists → arrays, objects → plain objects.
 *
 * With the declared Python type (`type`), the value is checked against it and shaped
 * as the generated TypeScript types say: a `Set[...]` or `Tuple[...]` that arrived as a
 * plain array (the HTTP API sends them so) becomes a `Set` or a tuple again, a
 * `Dict[str, ...]` is a plain object, another `Dict` a `Map`. A mismatch is a
 * {@link ValueCodecError} naming `path` and the declared type.
 */
export function decodeValue(value: EncodedValue, type?: TypeRef, path = 'value', options: DecodeOptions = {}): unknown {
  if (type === undefined || type.kind === 'Any') return decodeGeneric(value, path);
  return decodeTyped(value, type, path, options.int ?? 'number');
}

function fail(path: string, message: string): never {
  throw new ValueCodecError('decode', path, message);
}

function tagOf(value: EncodedValue): { tag: string; inner: EncodedValue } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length === 2 && '$entity' in value && '$key' in value) return { tag: '$entity', inner: value };
  if (keys.length === 1 && keys[0]!.startsWith('$')) return { tag: keys[0]!, inner: value[keys[0]!]! };
  return undefined;
}

function decodeGeneric(value: EncodedValue, path: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item, i) => decodeGeneric(item, `${path}[${i}]`));
  const tagged = tagOf(value);
  if (tagged) return decodeTag(tagged.tag, tagged.inner, path);
  // fromEntries defines own properties, so a `__proto__` key stays a key (assignment would set the prototype).
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeGeneric(v, `${path}.${k}`)]));
}

function decodeTag(tag: string, inner: EncodedValue, path: string): unknown {
  switch (tag) {
    case '$int':
      if (typeof inner !== 'string' || !/^-?\d+$/.test(inner)) fail(path, '"$int" must hold a string of digits');
      return BigInt(inner);
    case '$float':
      return decodeFloatTag(inner, path);
    case '$bytes':
    case '$bytearray': {
      if (typeof inner !== 'string') fail(path, `"${tag}" must hold a base64 string`);
      let bytes: Uint8Array;
      try {
        bytes = base64ToBytes(inner);
      } catch {
        return fail(path, `"${tag}" is not valid base64`);
      }
      return tag === '$bytes' ? bytes : bytearray(bytes);
    }
    case '$tuple':
      return tuple(...arrayOf(inner, path, tag).map((item, i) => decodeGeneric(item, `${path}[${i}]`)));
    case '$set':
      return new Set(arrayOf(inner, path, tag).map((item, i) => decodeGeneric(item, `${path}[${i}]`)));
    case '$frozenset':
      return frozenset(arrayOf(inner, path, tag).map((item, i) => decodeGeneric(item, `${path}[${i}]`)));
    case '$dict':
      return new Map(pairsOf(inner, path).map(([k, v], i) => [decodeGeneric(k, `${path}<key ${i}>`), decodeGeneric(v, `${path}[${i}]`)]));
    case '$entity': {
      const ref = inner as { $entity?: EncodedValue; $key?: EncodedValue };
      if (typeof ref.$entity !== 'string' || typeof ref.$key !== 'string') fail(path, 'an entity reference has a string "$entity" and "$key"');
      return new EntityRef(ref.$entity, ref.$key);
    }
    default:
      if (isPythonValueTag(tag)) return new PythonValue(tag, inner);
      return fail(path, `unknown value tag '${tag}' (known: ${REQUEST_VALUE_TAGS.join(', ')})`);
  }
}

function decodeFloatTag(inner: EncodedValue, path: string): number {
  if (inner === 'nan') return NaN;
  if (inner === 'inf') return Infinity;
  if (inner === '-inf') return -Infinity;
  const n = typeof inner === 'string' ? Number(inner) : NaN;
  if (!Number.isFinite(n)) fail(path, '"$float" must hold a number as a string, or "nan", "inf", "-inf"');
  return n;
}

function arrayOf(inner: EncodedValue, path: string, tag: string): EncodedValue[] {
  if (!Array.isArray(inner)) fail(path, `"${tag}" must hold an array`);
  return inner;
}

function pairsOf(inner: EncodedValue, path: string): [EncodedValue, EncodedValue][] {
  if (!Array.isArray(inner) || !inner.every((p) => Array.isArray(p) && p.length === 2)) {
    fail(path, '"$dict" must hold an array of [key, value] pairs');
  }
  return inner as [EncodedValue, EncodedValue][];
}

function decodeTyped(value: EncodedValue, type: TypeRef, path: string, int: IntMode): unknown {
  const mismatch = (): never =>
    fail(path, `expected ${describeType(type)}, got ${describeValue(value)}; the Python annotation does not match what the method returned (fix the annotation and regenerate the client)`);
  const tagged = tagOf(value);
  const sub = (v: EncodedValue, t: TypeRef | undefined, p: string): unknown =>
    t === undefined || t.kind === 'Any' ? decodeGeneric(v, p) : decodeTyped(v, t, p, int);
  switch (type.kind) {
    case 'Int': {
      if (typeof value === 'number') {
        if (!Number.isInteger(value)) return mismatch();
        return int === 'bigint' ? BigInt(value) : value;
      }
      if (tagged?.tag !== '$int') return mismatch();
      const big = decodeTag('$int', tagged.inner, path) as bigint;
      if (int === 'bigint') return big;
      return fail(
        path,
        `the integer ${big} is beyond 2^53 and does not fit a JavaScript number exactly; generate the client with \`--int bigint\` (or call with { int: 'bigint' }) to receive Python ints as bigint`,
      );
    }
    case 'Float':
      if (typeof value === 'number') return value;
      if (tagged?.tag === '$float') return decodeFloatTag(tagged.inner, path);
      return mismatch();
    case 'Str':
      return typeof value === 'string' ? value : mismatch();
    case 'Bool':
      return typeof value === 'boolean' ? value : mismatch();
    case 'NoneType':
      return value === null ? null : mismatch();
    case 'Bytes':
      return tagged?.tag === '$bytes' || tagged?.tag === '$bytearray' ? decodeTag(tagged.tag, tagged.inner, path) : mismatch();
    case 'List':
      if (!Array.isArray(value)) return mismatch();
      return value.map((item, i) => sub(item, type.item, `${path}[${i}]`));
    case 'Set': {
      // The HTTP API sends sets as plain arrays; the declared type restores them.
      const frozen = tagged?.tag === '$frozenset';
      const items = Array.isArray(value) ? value : tagged?.tag === '$set' || frozen ? arrayOf(tagged.inner, path, tagged.tag) : mismatch();
      const set = new Set(items.map((item, i) => sub(item, type.item, `${path}[${i}]`)));
      return frozen ? frozenset(set) : set;
    }
    case 'Tuple': {
      const items = Array.isArray(value) ? value : tagged?.tag === '$tuple' ? arrayOf(tagged.inner, path, '$tuple') : mismatch();
      if (!type.variadic && items.length !== type.items.length) {
        fail(path, `expected ${describeType(type)} (${type.items.length} items), got ${items.length} items`);
      }
      return tuple(...items.map((item, i) => sub(item, type.variadic ? type.items[0] : type.items[i], `${path}[${i}]`)));
    }
    case 'Dict': {
      const strKeys = type.key.kind === 'Str';
      let pairs: [EncodedValue, EncodedValue][];
      if (tagged?.tag === '$dict') pairs = pairsOf(tagged.inner, path);
      else if (typeof value === 'object' && value !== null && !Array.isArray(value) && !tagged) pairs = Object.entries(value);
      else return mismatch();
      if (strKeys) {
        return Object.fromEntries(
          pairs.map(([k, v]) => {
            if (typeof k !== 'string') fail(path, `expected ${describeType(type)}, got a key ${describeValue(k)}`);
            return [k, sub(v, type.value, `${path}.${k}`)];
          }),
        );
      }
      return new Map(pairs.map(([k, v], i) => [sub(k, type.key, `${path}<key ${i}>`), sub(v, type.value, `${path}[${i}]`)]));
    }
    case 'Optional':
      return value === null ? null : sub(value, type.item, path);
    case 'Union':
      // Unions are not checked member by member; the value's own tags decide.
      return decodeGeneric(value, path);
    case 'EntityRef':
      return tagged?.tag === '$entity' ? decodeTag('$entity', tagged.inner, path) : mismatch();
    case 'Any':
      return decodeGeneric(value, path);
  }
}
