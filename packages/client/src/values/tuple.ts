const TUPLE: unique symbol = Symbol.for('stateflow.tuple') as never;

/** A Python tuple on the TypeScript side: a frozen array marked so it encodes back to a tuple. */
export type Tuple<T extends readonly unknown[] = readonly unknown[]> = T & { readonly [TUPLE]: true };

/**
 * Makes a Python tuple value: a frozen array that the encoder sends as `{"$tuple": [...]}`
 * (a plain array is sent as a Python list). Decoded tuples are built with it too.
 *
 * @example await client.invoke(ref, 'move', [tuple(1, 2)])
 */
export function tuple<const T extends readonly unknown[]>(...items: T): Tuple<T> {
  Object.defineProperty(items, TUPLE, { value: true, enumerable: false });
  return Object.freeze(items) as unknown as Tuple<T>;
}

/** Whether an array was made by {@link tuple} (or decoded from a Python tuple). */
export function isTuple(value: unknown): value is Tuple {
  return Array.isArray(value) && (value as unknown as { [TUPLE]?: true })[TUPLE] === true;
}
