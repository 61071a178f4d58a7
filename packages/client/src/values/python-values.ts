import type { EncodedValue } from '@stateflow/ir';

const BYTEARRAY: unique symbol = Symbol.for('stateflow.bytearray') as never;
const FROZENSET: unique symbol = Symbol.for('stateflow.frozenset') as never;

/**
 * Makes a Python `bytearray` value: a `Uint8Array` marked so that the encoder sends it as
 * `{"$bytearray": ...}` (a plain `Uint8Array` is sent as `bytes`). Decoded bytearrays are
 * built with it too.
 */
export function bytearray(bytes: Uint8Array | readonly number[] = []): Uint8Array {
  const out = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
  Object.defineProperty(out, BYTEARRAY, { value: true, enumerable: false });
  return out;
}

/** Whether a `Uint8Array` was made by {@link bytearray} (or decoded from a Python bytearray). */
export function isBytearray(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && (value as unknown as { [BYTEARRAY]?: true })[BYTEARRAY] === true;
}

/**
 * Makes a Python `frozenset` value: a `Set` marked so that the encoder sends it as
 * `{"$frozenset": [...]}` (a plain `Set` is sent as a `set`). Decoded frozensets are built
 * with it too.
 */
export function frozenset<T>(items: Iterable<T> = []): Set<T> {
  const out = items instanceof Set ? (items as Set<T>) : new Set(items);
  Object.defineProperty(out, FROZENSET, { value: true, enumerable: false });
  return out;
}

/** Whether a `Set` was made by {@link frozenset} (or decoded from a Python frozenset). */
export function isFrozenset(value: unknown): value is Set<unknown> {
  return value instanceof Set && (value as unknown as { [FROZENSET]?: true })[FROZENSET] === true;
}

/** The tags of {@link PythonValue}. */
export type PythonValueTag = '$date' | '$time' | '$datetime' | '$timedelta' | '$decimal' | '$uuid' | '$enum';

const PYTHON_VALUE_TAGS: ReadonlySet<string> = new Set<PythonValueTag>(['$date', '$time', '$datetime', '$timedelta', '$decimal', '$uuid', '$enum']);

/** Whether `tag` is the tag of a {@link PythonValue}. */
export function isPythonValueTag(tag: string): tag is PythonValueTag {
  return PYTHON_VALUE_TAGS.has(tag);
}

/**
 * A Python value that TypeScript has no exact type for, kept in its encoding so that it
 * goes back to Python unchanged: a `datetime.date` (`new PythonValue('$date',
 * '2024-02-29')`), `time`, `datetime` (ISO 8601 text, microseconds and offset kept),
 * `timedelta` (`[days, seconds, microseconds]`), `Decimal` (its text), `UUID` and a
 * member of an `Enum` class (`['Color', 'RED']`). See the value encoding in `@stateflow/ir`.
 */
export class PythonValue {
  constructor(
    /** The encoding tag, e.g. `$date`. */
    readonly tag: PythonValueTag,
    /** What the tag holds, e.g. `"2024-02-29"`. */
    readonly value: EncodedValue,
  ) {
    Object.freeze(this);
  }

  /** The encoded form, `{"$date": "2024-02-29"}`. */
  toJSON(): EncodedValue {
    return { [this.tag]: this.value };
  }

  /** The text of a date, time, datetime, decimal or UUID; `Color.RED` for an enum member. */
  toString(): string {
    if (this.tag === '$enum' && Array.isArray(this.value)) return this.value.join('.');
    return typeof this.value === 'string' ? this.value : JSON.stringify(this.value);
  }
}
