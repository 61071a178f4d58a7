import { checkKey, isWellFormed } from './keys.js';
import type { EncodedValue } from './values.js';

/**
 * Deepest nesting of JSON arrays and objects in one argument (a tag object and its
 * array count as two levels). Deeper values are refused before they reach a batch:
 * the Python decoder recurses, and nothing real nests this deep.
 */
export const MAX_VALUE_DEPTH = 64;

/**
 * Most digits in a number written as text: `{"$int": ...}` (and a JSON integer literal
 * beyond 2^53, which becomes one), `{"$float": ...}` and `{"$decimal": ...}`. 4,300 is
 * Python's own default limit on converting text to `int`, whose cost grows with the
 * square of the length.
 */
export const MAX_NUMBER_DIGITS = 4300;

/** The value tags a request may use, in the order error messages list them. */
export const REQUEST_VALUE_TAGS: readonly string[] = [
  '$int',
  '$float',
  '$bytes',
  '$bytearray',
  '$tuple',
  '$set',
  '$frozenset',
  '$dict',
  '$date',
  '$time',
  '$datetime',
  '$timedelta',
  '$decimal',
  '$uuid',
  '$enum',
  '$entity/$key',
];

/** Where the checks find entity class names (a `Set`, a `Map` of classes, ...). */
export interface EntityNames {
  /** Whether the program has an entity class of this name. */
  has(name: string): boolean;
}

/** Options of {@link encodeRequestValue} and {@link encodeCallArguments}. */
export interface RequestValueOptions {
  /** The program's entity classes: a reference to another class is refused. Unchecked when absent. */
  entities?: EntityNames;
}

/** A checked request value in the encoding, or why it was refused (`<path>: <problem>`). */
export type RequestValueResult = { ok: EncodedValue } | { problem: string };

/** Checked call arguments, or why they were refused. */
export type CallArgumentsResult =
  | { ok: { args: EncodedValue[]; kwargs: { [name: string]: EncodedValue } } }
  | { problem: string };

class Refused {
  constructor(readonly message: string) {}
}

/** A path segment shown as is (`<key 2>` inside a `$dict`). */
class Mark {
  constructor(readonly text: string) {}
}

// The place being checked: a root (`args`, `kwargs`, or the caller's path) and the
// segments below it (an index, an object key, a mark). Kept as a stack and turned into
// text only for a problem: building a path string per value cost a fifth of the check.
let root = '';
const trail: (number | string | Mark)[] = [];

function startAt(path: string): void {
  root = path;
  trail.length = 0;
}

function place(): string {
  let out = root;
  for (const seg of trail) out += typeof seg === 'number' ? `[${seg}]` : typeof seg === 'string' ? `.${seg}` : seg.text;
  return out;
}

function refuse(problem: string): never {
  throw new Refused(`${place()}: ${problem}`);
}


const INT_TEXT = /^-?\d+$/;
const FLOAT_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DECIMAL_TEXT = /^-?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,9})?|Infinity|NaN|sNaN)$/;
const BASE64_TEXT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
// HH:MM[:SS[.fff|.ffffff]] then an optional offset: Z or ±HH:MM[:SS[.ffffff]] (what
// Python's isoformat() writes, and the common shorter forms).
const TIME_TEXT = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(?:\d{3}|\d{6}))?)?(Z|[+-](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{6})?)?)?$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_TIMEDELTA_DAYS = 999_999_999n;
const MICROS_PER_DAY = 86_400_000_000n;

/**
 * Checks one value a client sent (an argument) and returns it in the portable
 * encoding (`values.ts`), or the first problem found, as `<path>: <problem>`, e.g.
 * `args[0][3]: $bytes is not valid base64`.
 *
 * Every backend's gateway runs this before a call reaches a batch, so that no request
 * value can fail inside the engine; the Python kernel's decoder refuses the same values
 * with the same messages (`values.py`, defence in depth). Rules:
 *
 * - nesting at most {@link MAX_VALUE_DEPTH} levels; strings are valid Unicode;
 * - numbers are finite; an integral number beyond 2^53 (a float literal such as `1e20`,
 *   since {@link parseJsonExact} turns integer literals into `$int`) is sent as
 *   `{"$float": ...}` so that Python sees the float the client wrote;
 * - objects with a key starting with `$` are tagged values, each well-formed: `$int`
 *   decimal digits (at most {@link MAX_NUMBER_DIGITS}), `$float` a finite decimal or
 *   `nan`/`inf`/`-inf`, `$bytes`/`$bytearray` padded base64, `$set`/`$frozenset`
 *   members and `$dict` keys hashable, dates and times in ISO 8601, `$entity` a known
 *   class with a valid key; unknown tags are refused.
 */
export function encodeRequestValue(value: unknown, path: string, options: RequestValueOptions = {}): RequestValueResult {
  try {
    startAt(path);
    return { ok: encodeValue(value, 0, options.entities) };
  } catch (err) {
    if (err instanceof Refused) return { problem: err.message };
    throw err;
  }
}

/**
 * Checks the arguments of a call (`args` an array, `kwargs` an object of names) with
 * {@link encodeRequestValue}; paths are `args[i]...` and `kwargs.<name>...`. An absent
 * (`undefined`) `args` or `kwargs` is empty; `null` is refused like any other non-array.
 * The kernel (`request_values.py` `call_shape_problem`) and the Flink job's routing apply
 * the same rule with the same messages (vectors: `calls` in `test/fixtures/request-values.json`).
 */
export function encodeCallArguments(args: unknown = [], kwargs: unknown = {}, options: RequestValueOptions = {}): CallArgumentsResult {
  const shape = callShapeProblem(args, kwargs);
  if (shape !== undefined) return { problem: shape };
  const names = kwargs as { [name: string]: unknown };
  try {
    startAt('args');
    const outArgs = encodeItems(args as unknown[], 0, options.entities);
    startAt('kwargs');
    let outKwargs = names as { [name: string]: EncodedValue };
    for (const name of Object.keys(names)) {
      if (!isWellFormed(name)) refuse(`the name '${name}' is not valid Unicode (it holds a lone UTF-16 surrogate)`);
      const v = names[name];
      trail.push(name);
      const enc = encodeValue(v, 0, options.entities);
      trail.pop();
      if (enc !== v) {
        if (outKwargs === names) outKwargs = { ...outKwargs };
        setOwn(outKwargs, name, enc);
      }
    }
    return { ok: { args: outArgs, kwargs: outKwargs } };
  } catch (err) {
    if (err instanceof Refused) return { problem: err.message };
    throw err;
  }
}

const CALL_ARGS_PROBLEM = 'positional arguments (args) must be an array';
const CALL_KWARGS_PROBLEM = 'keyword arguments (kwargs) must be an object of names and values';

/**
 * The shape half of {@link encodeCallArguments}: why `args` is not an array or `kwargs`
 * not an object of names (`args` first), or `undefined`. An absent (`undefined`) one is
 * empty. For a check that runs before the values are looked at, such as an HTTP body
 * parser, so that it refuses a call with the same message as every other backend.
 */
export function callShapeProblem(args: unknown = [], kwargs: unknown = {}): string | undefined {
  if (!Array.isArray(args)) return CALL_ARGS_PROBLEM;
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) return CALL_KWARGS_PROBLEM;
  return undefined;
}

/** Encodes `value` at `depth` (the number of containers around it, within the argument). */
function encodeValue(value: unknown, depth: number, entities: EntityNames | undefined): EncodedValue {
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value)) refuse('the string is not valid Unicode (it holds a lone UTF-16 surrogate)');
      return value;
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) {
        refuse('numbers must be finite (a JSON number this large overflows a float); send {"$float": "inf"}, {"$float": "-inf"} or {"$float": "nan"} for a non-finite float');
      }
      // Integer literals beyond 2^53 arrive as $int (parseJsonExact). An integral float
      // from 2^53 up to 1e21 would reach Python as an int, since JSON.stringify writes it
      // without an exponent; larger ones are written with one and stay floats.
      if (Number.isInteger(value) && !Number.isSafeInteger(value) && Math.abs(value) < 1e21) return { $float: String(value) };
      return value;
    case 'object':
      break;
    default:
      return refuse(`a ${typeof value} is not a JSON value`);
  }
  if (value === null) return null;
  enter(depth);
  if (Array.isArray(value)) return encodeItems(value, depth + 1, entities);
  const obj = value as { [key: string]: unknown };
  const keys = Object.keys(obj);
  let tagged = false;
  for (const k of keys) {
    if (k.charCodeAt(0) === 36 /* $ */) {
      tagged = true;
      break;
    }
  }
  if (tagged) return encodeTagged(obj, keys, depth + 1, entities);
  let out = obj as { [key: string]: EncodedValue };
  for (const k of keys) {
    if (!isWellFormed(k)) refuse(`the key '${k}' is not valid Unicode (it holds a lone UTF-16 surrogate)`);
    const v = obj[k];
    trail.push(k);
    const enc = encodeValue(v, depth + 1, entities);
    trail.pop();
    if (enc !== v) {
      if (out === obj) out = { ...out };
      setOwn(out, k, enc);
    }
  }
  return out;
}

/** Encodes the items of an array (copied only when an item changes). */
function encodeItems(items: unknown[], depth: number, entities: EntityNames | undefined): EncodedValue[] {
  let out = items as EncodedValue[];
  for (let i = 0; i < items.length; i++) {
    const v = items[i];
    trail.push(i);
    const enc = encodeValue(v, depth, entities);
    trail.pop();
    if (enc !== v) {
      if (out === items) out = items.slice() as EncodedValue[];
      out[i] = enc;
    }
  }
  return out;
}

function encodeTagged(
  obj: { [key: string]: unknown },
  keys: string[],
  depth: number,
  entities: EntityNames | undefined,
): EncodedValue {
  if ('$entity' in obj || '$key' in obj) {
    const entity = obj['$entity'];
    const key = obj['$key'];
    if (keys.length !== 2 || typeof entity !== 'string' || typeof key !== 'string') {
      refuse('an entity reference is exactly {"$entity": "<Class>", "$key": "<key>"} with two strings');
    }
    if (entities && !entities.has(entity)) refuse(`there is no entity class '${entity}'`);
    const bad = checkKey(key);
    if (bad) refuse(bad);
    return obj as EncodedValue;
  }
  if (keys.length !== 1) {
    refuse(`keys starting with '$' are reserved for tagged values, and a tagged value has exactly one key (got ${keys.join(', ')}); to send such a dict use {"$dict": [[key, value], ...]}`);
  }
  const tag = keys[0]!;
  const inner = obj[tag];
  switch (tag) {
    case '$int':
      if (typeof inner !== 'string' || !INT_TEXT.test(inner)) refuse('$int takes a string of decimal digits, e.g. {"$int": "-12345678901234567890"}');
      checkDigits(inner, tag);
      return obj as EncodedValue;
    case '$float':
      if (typeof inner !== 'string' || !(inner === 'nan' || inner === 'inf' || inner === '-inf' || FLOAT_TEXT.test(inner))) {
        refuse('$float takes a decimal number as a string (e.g. "2.0", "1e-7"), or "nan", "inf", "-inf"');
      }
      checkDigits(inner, tag);
      if (FLOAT_TEXT.test(inner) && !Number.isFinite(Number(inner))) refuse(`$float "${inner.slice(0, 20)}" is out of range of a float; use "inf" or "-inf"`);
      return obj as EncodedValue;
    case '$bytes':
    case '$bytearray':
      if (typeof inner !== 'string' || inner.length % 4 !== 0 || !BASE64_TEXT.test(inner)) refuse(`${tag} is not valid base64 (standard alphabet, padded with '=')`);
      return obj as EncodedValue;
    case '$tuple':
    case '$set':
    case '$frozenset': {
      if (!Array.isArray(inner)) refuse(`${tag} takes an array`);
      enter(depth);
      const items = encodeItems(inner, depth + 1, entities);
      if (tag !== '$tuple') {
        for (let i = 0; i < items.length; i++) {
          trail.push(i);
          checkHashable(items[i]!, `a ${tag} member`);
          trail.pop();
        }
      }
      return items === inner ? (obj as EncodedValue) : { [tag]: items };
    }
    case '$dict':
      return encodeDict(obj, inner, depth + 1, entities);
    case '$date':
      if (typeof inner !== 'string' || !isDate(inner)) refuse('$date takes an ISO 8601 date "YYYY-MM-DD"');
      return obj as EncodedValue;
    case '$time':
      if (typeof inner !== 'string' || !isTime(inner)) refuse('$time takes an ISO 8601 time "HH:MM[:SS[.ffffff]]" with an optional offset ("Z" or "+HH:MM")');
      return obj as EncodedValue;
    case '$datetime': {
      const at = typeof inner === 'string' ? inner.indexOf('T') : -1;
      if (typeof inner !== 'string' || at < 0 || !isDate(inner.slice(0, at)) || !isTime(inner.slice(at + 1))) {
        refuse('$datetime takes an ISO 8601 date and time "YYYY-MM-DDTHH:MM[:SS[.ffffff]]" with an optional offset ("Z" or "+HH:MM")');
      }
      return obj as EncodedValue;
    }
    case '$timedelta':
      checkTimedelta(inner);
      enter(depth);
      return obj as EncodedValue;
    case '$decimal':
      if (typeof inner !== 'string' || !DECIMAL_TEXT.test(inner)) {
        refuse('$decimal takes a decimal number as a string (e.g. "1.10", "-2E+3"), or "NaN", "sNaN", "Infinity", "-Infinity"');
      }
      checkDigits(inner, tag);
      return obj as EncodedValue;
    case '$uuid':
      if (typeof inner !== 'string' || !UUID_TEXT.test(inner)) refuse('$uuid takes a UUID "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hexadecimal digits)');
      return obj as EncodedValue;
    case '$enum':
      if (!Array.isArray(inner) || inner.length !== 2 || typeof inner[0] !== 'string' || typeof inner[1] !== 'string' || !IDENTIFIER.test(inner[0]) || !IDENTIFIER.test(inner[1])) {
        refuse('$enum takes ["<EnumClass>", "<MEMBER>"], two Python names, e.g. {"$enum": ["Color", "RED"]}');
      }
      enter(depth);
      return obj as EncodedValue;
    default:
      return refuse(`'${tag}' is not a value tag (known: ${REQUEST_VALUE_TAGS.join(', ')}); keys starting with '$' are reserved, so send a dict with such keys as {"$dict": [[key, value], ...]}`);
  }
}

function encodeDict(
  obj: { [key: string]: unknown },
  inner: unknown,
  depth: number,
  entities: EntityNames | undefined,
): EncodedValue {
  if (!Array.isArray(inner)) refuse('$dict takes an array of [key, value] pairs');
  enter(depth);
  let pairs = inner as EncodedValue[];
  for (let i = 0; i < inner.length; i++) {
    const pair = inner[i];
    trail.push(i);
    if (!Array.isArray(pair) || pair.length !== 2) refuse('$dict takes an array of [key, value] pairs');
    enter(depth + 1);
    trail.pop();
    trail.push(new Mark(`<key ${i}>`));
    const key = encodeValue(pair[0], depth + 2, entities);
    checkHashable(key, 'a $dict key');
    trail.pop();
    trail.push(new Mark(`<value ${i}>`));
    const value = encodeValue(pair[1], depth + 2, entities);
    trail.pop();
    if (key !== pair[0] || value !== pair[1]) {
      if (pairs === inner) pairs = inner.slice() as EncodedValue[];
      pairs[i] = [key, value];
    }
  }
  return pairs === inner ? (obj as EncodedValue) : { $dict: pairs };
}

/** Sets an own property, also `__proto__` (which plain assignment would take as the prototype). */
function setOwn(obj: { [key: string]: EncodedValue }, key: string, value: EncodedValue): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Refuses a container (array or object) at `depth` containers deep when that is too deep. */
function enter(depth: number): void {
  if (depth >= MAX_VALUE_DEPTH) refuse(`the value is nested deeper than ${MAX_VALUE_DEPTH} levels`);
}

function checkDigits(text: string, tag: string): void {
  if (text.length <= MAX_NUMBER_DIGITS) return;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  if (digits > MAX_NUMBER_DIGITS) refuse(`${tag} has ${digits} digits; at most ${MAX_NUMBER_DIGITS} are accepted`);
}

/**
 * Refuses a value Python cannot hash (a set member or dict key): a list, a dict, a set,
 * a bytearray, a signaling NaN decimal, or a tuple holding one.
 */
function checkHashable(value: EncodedValue, what: string): void {
  const kind = unhashableKind(value);
  if (kind) refuse(`${what} must be hashable; got ${kind} (use {"$tuple": [...]} for a sequence, {"$frozenset": [...]} for a set)`);
}

/** What makes `value` unhashable in Python (`a list`, `a tuple holding a dict`), or `undefined`. */
function unhashableKind(value: EncodedValue): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) return 'a list';
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0]!.charCodeAt(0) !== 36) return keys.length === 2 && '$entity' in value ? undefined : 'a dict';
  switch (keys[0]) {
    case '$set':
      return 'a set';
    case '$dict':
      return 'a dict';
    case '$bytearray':
      return 'a bytearray';
    case '$decimal':
      // hash(Decimal('sNaN')) raises in Python.
      return /^-?sNaN$/.test(value['$decimal'] as string) ? 'a signaling NaN decimal' : undefined;
    case '$tuple':
      for (const item of value['$tuple'] as EncodedValue[]) {
        const inner = unhashableKind(item);
        if (inner) return `a tuple holding ${inner}`;
      }
      return undefined;
    default:
      return undefined;
  }
}

function isDate(text: string): boolean {
  const m = DATE_TEXT.exec(text);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

function isTime(text: string): boolean {
  const m = TIME_TEXT.exec(text);
  if (!m) return false;
  if (Number(m[1]) > 23 || Number(m[2]) > 59 || (m[3] !== undefined && Number(m[3]) > 59)) return false;
  // An offset is less than a day; its minutes and seconds are below 60.
  if (m[5] !== undefined && (Number(m[5]) > 23 || Number(m[6]) > 59 || (m[7] !== undefined && Number(m[7]) > 59))) return false;
  return true;
}

function checkTimedelta(inner: unknown): void {
  const problem = '$timedelta takes [days, seconds, microseconds], three integers, e.g. {"$timedelta": [1, 3600, 0]}';
  if (!Array.isArray(inner) || inner.length !== 3 || !inner.every((n) => Number.isSafeInteger(n))) refuse(problem);
  const [days, seconds, micros] = (inner as number[]).map(BigInt) as [bigint, bigint, bigint];
  const total = days * MICROS_PER_DAY + seconds * 1_000_000n + micros;
  // Python normalises to whole days (floor) and keeps |days| <= 999,999,999.
  const floorDays = total >= 0n ? total / MICROS_PER_DAY : -((-total + MICROS_PER_DAY - 1n) / MICROS_PER_DAY);
  if (floorDays > MAX_TIMEDELTA_DAYS || floorDays < -MAX_TIMEDELTA_DAYS) {
    refuse(`$timedelta is out of range; a timedelta is at most ${MAX_TIMEDELTA_DAYS} days either way`);
  }
}
