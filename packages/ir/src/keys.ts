/**
 * Longest instance key, in UTF-8 bytes, that StateFlow accepts on every backend. Keys
 * are stored as database keys (LMDB allows 1,978 bytes for the whole key, entity name
 * and encoding included) and sent as Kafka and Flink keys, so the limit is global and
 * checked where a key enters: a client call, `__key__()` of a new instance, and a
 * reference an entity calls through. The Python kernel has the same constant.
 */
export const MAX_KEY_BYTES = 1000;

const utf8 = new TextEncoder();

/** Explains why `key` cannot be an instance key, or returns `undefined` when it can. */
export function checkKey(key: string): string | undefined {
  // A UTF-8 character is at most 4 bytes: short keys need no encoding to be checked.
  if (key.length * 4 <= MAX_KEY_BYTES) return undefined;
  const bytes = utf8.encode(key).length;
  if (bytes <= MAX_KEY_BYTES) return undefined;
  return `the key '${key.slice(0, 40)}…' is ${bytes} bytes long; instance keys are at most ${MAX_KEY_BYTES} bytes (UTF-8)`;
}
