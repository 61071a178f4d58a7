/**
 * The byte encoding of the durable store's database keys (format version 2).
 *
 * Rules, each chosen so that two different values never share a database key and every
 * key decodes back to the exact value it came from (tested with fast-check):
 *
 * - A string is WTF-8: UTF-8 for every well-formed string (so a key costs as many bytes
 *   as `MAX_KEY_BYTES` counts), and a lone surrogate (a JavaScript string may hold one,
 *   JSON `"\ud800"`) as its own 3-byte form (`ED A0 80`), which valid UTF-8 never holds.
 *   Nothing is escaped and nothing is replaced: control characters, NUL included, are
 *   bytes like any other.
 * - A state key is `entity length (2 bytes) ‖ entity ‖ key`: the length prefix makes the
 *   split unambiguous whatever the key holds, and the prefix `entity length ‖ entity` is
 *   shared by exactly the keys of that entity class (a range scan lists them).
 * - A queue key is `request id ‖ seq (8 bytes)`; an outcome-log key is
 *   `time (8 bytes) ‖ request id`: a fixed-width number on one side leaves the string
 *   the rest. Times are positive, so their big-endian IEEE 754 bytes sort as numbers.
 * - An outcome key is the request id alone.
 *
 * Format version 1 used lmdb-js's own key encoding, which escapes NUL to U+0004 only in
 * short strings and turns lone surrogates into U+FFFD: distinct keys could share a record.
 */

/** Bytes of an entity name's length prefix. */
const ENTITY_LENGTH_BYTES = 2;
/** Bytes of a number (seq, time) in a key. */
const NUMBER_BYTES = 8;
/**
 * No WTF-8 string has a 0xFF byte: a key made of a prefix and this byte sorts after every
 * key that starts with the prefix (the end of a range scan).
 */
const AFTER_ANY_STRING = Buffer.from([0xff]);

/** Whether `s` has no lone surrogate (then WTF-8 is UTF-8). */
const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: () => boolean }).isWellFormed === 'function'
    ? (s) => (s as string & { isWellFormed(): boolean }).isWellFormed()
    : (s) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

/** The WTF-8 bytes of a string: UTF-8, with each lone surrogate as its own 3-byte sequence. */
export function encodeString(s: string): Buffer {
  if (isWellFormed(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++; // a well-formed pair: plain UTF-8
      continue;
    }
    parts.push(Buffer.from(s.slice(start, i), 'utf8'), Buffer.from([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]));
    start = i + 1;
  }
  parts.push(Buffer.from(s.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** The string back from its {@link encodeString} bytes. */
export function decodeString(bytes: Uint8Array): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A surrogate's 3-byte form starts with ED A0..BF; in UTF-8 ED is followed by 80..9F.
  let start = 0;
  let out = '';
  for (let i = buf.indexOf(0xed); i !== -1 && i + 2 < buf.length; i = buf.indexOf(0xed, i + 1)) {
    if (buf[i + 1]! < 0xa0) continue;
    out += buf.toString('utf8', start, i) + String.fromCharCode(0xd000 | ((buf[i + 1]! & 0x3f) << 6) | (buf[i + 2]! & 0x3f));
    start = i + 3;
    i += 2;
  }
  return out + buf.toString('utf8', start);
}

/** The prefix shared by the state keys of one entity class, and only by them. */
export function entityPrefix(entity: string): Buffer {
  const name = encodeString(entity);
  if (name.length >= 2 ** (8 * ENTITY_LENGTH_BYTES)) throw new RangeError(`entity name '${entity.slice(0, 40)}…' is too long for a store key`);
  const prefix = Buffer.allocUnsafe(ENTITY_LENGTH_BYTES + name.length);
  prefix.writeUInt16BE(name.length, 0);
  name.copy(prefix, ENTITY_LENGTH_BYTES);
  return prefix;
}

/** Entity prefixes built so far (a program has a handful of entity classes). */
const prefixes = new Map<string, Buffer>();

/** The database key of one instance's state. */
export function stateKey(entity: string, key: string): Buffer {
  let prefix = prefixes.get(entity);
  if (prefix === undefined) {
    prefix = entityPrefix(entity);
    if (prefixes.size < 1000) prefixes.set(entity, prefix);
  }
  // The common case, a well-formed key, in one allocation (this runs on every read and write).
  if (!isWellFormed(key)) return Buffer.concat([prefix, encodeString(key)]);
  const bytes = Buffer.allocUnsafe(prefix.length + Buffer.byteLength(key, 'utf8'));
  prefix.copy(bytes, 0);
  bytes.write(key, prefix.length, 'utf8');
  return bytes;
}

/** The entity and instance key back from a {@link stateKey}. */
export function decodeStateKey(bytes: Uint8Array): { entity: string; key: string } {
  const length = (bytes[0]! << 8) | bytes[1]!;
  const end = ENTITY_LENGTH_BYTES + length;
  return { entity: decodeString(bytes.subarray(ENTITY_LENGTH_BYTES, end)), key: decodeString(bytes.subarray(end)) };
}

/** The range of database keys that holds every state of one entity class. */
export function entityRange(entity: string): { start: Buffer; end: Buffer } {
  const start = entityPrefix(entity);
  return { start, end: Buffer.concat([start, AFTER_ANY_STRING]) };
}

/** The database key of a queued event. */
export function queueKey(requestId: string, seq: number): Buffer {
  const id = encodeString(requestId);
  const key = Buffer.allocUnsafe(id.length + NUMBER_BYTES);
  id.copy(key, 0);
  key.writeDoubleBE(seq, id.length);
  return key;
}

/** The request id and seq back from a {@link queueKey}. */
export function decodeQueueKey(bytes: Uint8Array): { requestId: string; seq: number } {
  const split = bytes.length - NUMBER_BYTES;
  const seq = Buffer.from(bytes.buffer, bytes.byteOffset + split, NUMBER_BYTES).readDoubleBE(0);
  return { requestId: decodeString(bytes.subarray(0, split)), seq };
}

/** The database key of an outcome record. */
export function outcomeKey(requestId: string): Buffer {
  return encodeString(requestId);
}

/** The database key of an outcome-log entry: by time first, for retention sweeps. */
export function outcomeLogKey(at: number, requestId: string): Buffer {
  const id = encodeString(requestId);
  const key = Buffer.allocUnsafe(NUMBER_BYTES + id.length);
  key.writeDoubleBE(at, 0);
  id.copy(key, NUMBER_BYTES);
  return key;
}

/** The time and request id back from an {@link outcomeLogKey}. */
export function decodeOutcomeLogKey(bytes: Uint8Array): { at: number; requestId: string } {
  const at = Buffer.from(bytes.buffer, bytes.byteOffset, NUMBER_BYTES).readDoubleBE(0);
  return { at, requestId: decodeString(bytes.subarray(NUMBER_BYTES)) };
}
