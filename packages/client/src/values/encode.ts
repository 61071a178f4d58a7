import type { EncodedValue, TypeRef } from '@stateflow/ir';
import { isEntityRefObject } from '../entity-ref.js';
import { ValueCodecError } from '../errors.js';
import { bytesToBase64 } from './base64.js';
import { describeType, describeValue } from './describe.js';
import { isBytearray, isFrozenset, PythonValue } from './python-values.js';
import { isTuple } from './tuple.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Encodes a TypeScript value to the portable encoding (see `@stateflow/ir` `values.ts`).
 * With the declared Python type (`type`), numbers are checked and tagged as the Python
 * side expects: an integral `number` for a `float` parameter is sent as
 * `{"$float": "2.0"}`, a non-integral one for an `int` parameter is refused, arrays
 * become tuples or sets where the type says so.
 *
 * | TypeScript | encoded |
 * |---|---|
 * | `null` | `null` |
 * | `boolean`, `string` | as is |
 * | `number`: safe integer or non-integral finite | JSON number |
 * | `number`: integral beyond 2^53, or `bigint` beyond 2^53 | `{"$int": "..."}` |
 * | `bigint` within 2^53 | JSON number |
 * | `NaN`, `±Infinity` | `{"$float": "nan" \| "inf" \| "-inf"}` |
 * | `Uint8Array` | `{"$bytes": "<base64>"}` |
 * | {@link bytearray}`(...)` | `{"$bytearray": "<base64>"}` |
 * | {@link tuple}`(...)` | `{"$tuple": [...]}` |
 * | array | JSON array (Python list) |
 * | `Set` | `{"$set": [...]}` |
 * | {@link frozenset}`(...)` | `{"$frozenset": [...]}` |
 * | {@link PythonValue} (date, time, datetime, timedelta, Decimal, UUID, enum member) | `{"$date": ...}`, ... as it holds |
 * | `Map` with plain string keys, plain object | JSON object |
 * | other `Map`, object with a key starting with `$` | `{"$dict": [[k, v], ...]}` |
 * | `EntityRef`, generated stub | `{"$entity": "Item", "$key": "coke"}` |
 *
 * Throws {@link ValueCodecError} (naming `path`) for `undefined`, functions, symbols,
 * class instances and values that do not fit `type`.
 */
export function encodeValue(value: unknown, type?: TypeRef, path = 'value'): EncodedValue {
  const t = type && type.kind !== 'Any' ? type : undefined;
  if (t) return encodeTyped(value, t, path);
  return encodeGeneric(value, path);
}

function fail(path: string, message: string): never {
  throw new ValueCodecError('encode', path, message);
}

function encodeTyped(value: unknown, type: TypeRef, path: string): EncodedValue {
  const expected = (): never => fail(path, `expected ${describeType(type)}, got ${describeValue(value)}`);
  switch (type.kind) {
    case 'Int':
      if (typeof value === 'bigint') return encodeBigInt(value);
      if (typeof value === 'number') {
        if (!Number.isInteger(value)) fail(path, `expected an integer (Python int), got ${value}`);
        return encodeNumber(value);
      }
      return expected();
    case 'Float':
      if (typeof value === 'number') return encodeFloat(value);
      if (typeof value === 'bigint') return encodeFloat(Number(value));
      return expected();
    case 'Str':
      return typeof value === 'string' ? value : expected();
    case 'Bool':
      return typeof value === 'boolean' ? value : expected();
    case 'NoneType':
      return value === null ? null : expected();
    case 'Bytes':
      return value instanceof Uint8Array ? encodeGeneric(value, path) : expected();
    case 'List':
      if (!Array.isArray(value)) return expected();
      return value.map((item, i) => encodeValue(item, type.item, `${path}[${i}]`));
    case 'Set': {
      const items = value instanceof Set ? [...value] : Array.isArray(value) ? value : expected();
      const encoded = items.map((item, i) => encodeValue(item, type.item, `${path}[${i}]`));
      return isFrozenset(value) ? { $frozenset: encoded } : { $set: encoded };
    }
    case 'Tuple': {
      if (!Array.isArray(value)) return expected();
      if (!type.variadic && value.length !== type.items.length) {
        fail(path, `expected a tuple of ${type.items.length} (${describeType(type)}), got ${value.length} items`);
      }
      const itemType = (i: number): TypeRef | undefined => (type.variadic ? type.items[0] : type.items[i]);
      return { $tuple: value.map((item, i) => encodeValue(item, itemType(i), `${path}[${i}]`)) };
    }
    case 'Dict':
      return encodeDict(value, path, type.key, type.value) ?? expected();
    case 'Optional':
      return value === null ? null : encodeValue(value, type.item, path);
    case 'Union':
      // Python does not check unions at run time; the generic rules pick the tag.
      return encodeGeneric(value, path);
    case 'EntityRef':
      if (!isEntityRefObject(value)) return expected();
      if (value.entity !== type.entity) fail(path, `expected a reference to ${type.entity}, got one to ${value.entity}`);
      return { $entity: value.entity, $key: value.key };
    case 'Any':
      return encodeGeneric(value, path);
  }
}

function encodeGeneric(value: unknown, path: string): EncodedValue {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return encodeNumber(value);
    case 'bigint':
      return encodeBigInt(value);
    case 'undefined':
      return fail(path, 'undefined has no Python equivalent; use null for None');
    case 'function':
    case 'symbol':
      return fail(path, `a ${typeof value} cannot be sent to Python`);
  }
  if (isEntityRefObject(value)) return { $entity: value.entity, $key: value.key };
  if (value instanceof Uint8Array) return isBytearray(value) ? { $bytearray: bytesToBase64(value) } : { $bytes: bytesToBase64(value) };
  if (value instanceof PythonValue) return value.toJSON();
  if (Array.isArray(value)) {
    const items = value.map((item, i) => encodeGeneric(item, `${path}[${i}]`));
    return isTuple(value) ? { $tuple: items } : items;
  }
  if (value instanceof Set) {
    const items = [...value].map((item, i) => encodeGeneric(item, `${path}[${i}]`));
    return isFrozenset(value) ? { $frozenset: items } : { $set: items };
  }
  const dict = encodeDict(value, path);
  if (dict !== undefined) return dict;
  return fail(path, `${describeValue(value)} (${(value as object).constructor?.name ?? 'unknown class'}) has no portable encoding; send plain data`);
}

/** A `Map` or a plain object as a Python dict; `undefined` when `value` is neither. */
function encodeDict(value: unknown, path: string, keyType?: TypeRef, valueType?: TypeRef): EncodedValue | undefined {
  let entries: [unknown, unknown][];
  if (value instanceof Map) entries = [...value.entries()];
  else if (isPlainObject(value)) entries = Object.entries(value);
  else return undefined;
  const plainKeys = entries.every(([k]) => typeof k === 'string' && !k.startsWith('$'));
  if (plainKeys) {
    // fromEntries defines own properties, so a `__proto__` key stays a key (assignment would set the prototype).
    return Object.fromEntries(entries.map(([k, v]) => [k, encodeValue(v, valueType, `${path}.${k as string}`)]));
  }
  return {
    $dict: entries.map(([k, v], i) => [
      encodeValue(k, keyType, `${path}<key ${i}>`),
      encodeValue(v, valueType, `${path}[${JSON.stringify(k) ?? String(k)}]`),
    ]),
  };
}

function isPlainObject(value: unknown): value is { [key: string]: unknown } {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function encodeNumber(n: number): EncodedValue {
  if (!Number.isFinite(n)) return encodeFloat(n);
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) return { $int: BigInt(n).toString() };
  return n;
}

function encodeBigInt(n: bigint): EncodedValue {
  return n > MAX_SAFE || n < -MAX_SAFE ? { $int: n.toString() } : Number(n);
}

/** A Python float: integral values and non-finite ones are tagged so Python does not see an int. */
function encodeFloat(n: number): EncodedValue {
  if (Number.isNaN(n)) return { $float: 'nan' };
  if (n === Infinity) return { $float: 'inf' };
  if (n === -Infinity) return { $float: '-inf' };
  if (!Number.isInteger(n)) return n;
  if (Object.is(n, -0)) return { $float: '-0.0' };
  const text = String(n);
  return { $float: /[e.]/.test(text) ? text : `${text}.0` };
}
