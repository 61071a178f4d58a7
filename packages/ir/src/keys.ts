/**
 * Longest instance key, in UTF-8 bytes, that StateFlow accepts on every backend. Keys
 * are stored as database keys (LMDB allows 1,978 bytes for the whole key, entity name
 * and encoding included) and sent as Kafka and Flink keys, so the limit is global and
 * checked where a key enters: a client call, `__key__()` of a new instance, and a
 * reference an entity calls through. The Python kernel has the same constant.
 */
export const MAX_KEY_BYTES = 1000;

/**
 * Keys no URL can address: a path segment cannot be empty, and URL parsers remove the
 * segments `.` and `..` (also when sent as `%2E`), so an instance with such a key could
 * be created but never called or read. Every other key is addressable with
 * percent-encoding (`/` as `%2F`, `%` as `%25`). The Python kernel refuses the same keys.
 */
const UNADDRESSABLE_KEYS: ReadonlySet<string> = new Set(['', '.', '..']);

const hasIsWellFormed = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function';
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Whether `text` is Unicode text, with no lone UTF-16 surrogate (JSON can carry one as
 * `"\\ud800"`). `String.prototype.isWellFormed` (ES2024, Node 20) is about 5 times faster
 * than the regular expression, which stays for older runtimes.
 */
export function isWellFormed(text: string): boolean {
  return hasIsWellFormed ? (text as unknown as { isWellFormed(): boolean }).isWellFormed() : !LONE_SURROGATE.test(text);
}

const utf8 = new TextEncoder();

/** Explains why `key` cannot be an instance key, or returns `undefined` when it can. */
export function checkKey(key: string): string | undefined {
  if (key.length <= 2 && UNADDRESSABLE_KEYS.has(key)) {
    return `the key '${key}' cannot be used: instance keys must be addressable in a URL path, which rules out the empty key, '.' and '..'`;
  }
  if (!isWellFormed(key)) {
    return `the key '${key.slice(0, 40)}' is not valid Unicode (it holds a lone UTF-16 surrogate)`;
  }
  // A UTF-8 character is at most 4 bytes: short keys need no encoding to be checked.
  if (key.length * 4 <= MAX_KEY_BYTES) return undefined;
  const bytes = utf8.encode(key).length;
  if (bytes <= MAX_KEY_BYTES) return undefined;
  return `the key '${key.slice(0, 40)}…' is ${bytes} bytes long; instance keys are at most ${MAX_KEY_BYTES} bytes (UTF-8)`;
}
