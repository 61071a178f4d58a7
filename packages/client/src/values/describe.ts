export { describeType } from '@stateflow/ir';

/** A short description of a JavaScript or encoded value, for messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'a Uint8Array';
  if (value instanceof Map) return 'a Map';
  if (value instanceof Set) return 'a Set';
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    const tag = keys.length >= 1 && keys[0]!.startsWith('$') ? ` tagged ${keys[0]}` : '';
    return `an object${tag}`;
  }
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return `${typeof value} ${String(value)}`;
}
