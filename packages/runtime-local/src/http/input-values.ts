import type { EncodedValue } from '@stateflow/ir';

/**
 * Checks a value received from an HTTP client. Plain JSON is taken as is; objects
 * with a key starting with `$` are reserved for the value encoding and must be a
 * well-formed tag (`{"$entity": "Item", "$key": "coke"}`, `{"$tuple": [...]}`, ...).
 * Returns a message naming the offending place, or `undefined` when the value is fine.
 */
export function checkInputValue(value: unknown, where: string, entities: readonly string[]): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const problem = checkInputValue(item, `${where}[${i}]`, entities);
      if (problem) return problem;
    }
    return undefined;
  }
  const obj = value as { [key: string]: unknown };
  const keys = Object.keys(obj);
  if (!keys.some((k) => k.startsWith('$'))) {
    for (const k of keys) {
      const problem = checkInputValue(obj[k], `${where}.${k}`, entities);
      if (problem) return problem;
    }
    return undefined;
  }
  return checkTagged(obj, keys, where, entities);
}

function checkTagged(
  obj: { [key: string]: unknown },
  keys: string[],
  where: string,
  entities: readonly string[],
): string | undefined {
  if ('$entity' in obj || '$key' in obj) {
    const entity = obj['$entity'];
    const key = obj['$key'];
    if (keys.length !== 2 || typeof entity !== 'string' || typeof key !== 'string') {
      return `${where}: an entity reference is exactly {"$entity": "<Class>", "$key": "<key>"} with two strings`;
    }
    if (!entities.includes(entity)) {
      return `${where}: there is no entity class '${entity}' (entities: ${entities.join(', ') || 'none'})`;
    }
    return undefined;
  }
  const tag = keys[0]!;
  if (keys.length !== 1) {
    return `${where}: keys starting with '$' are reserved for tagged values; a tagged value has exactly one key (got ${keys.join(', ')})`;
  }
  const inner = obj[tag];
  switch (tag) {
    case '$int':
      return typeof inner === 'string' && /^-?\d+$/.test(inner) ? undefined : `${where}: "$int" takes a string of digits`;
    case '$float':
      return typeof inner === 'string' && (/^(nan|-?inf)$/.test(inner) || Number.isFinite(Number(inner)))
        ? undefined
        : `${where}: "$float" takes a number as a string, or "nan", "inf", "-inf"`;
    case '$bytes':
      return typeof inner === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(inner)
        ? undefined
        : `${where}: "$bytes" takes a base64 string`;
    case '$tuple':
    case '$set':
      return Array.isArray(inner) ? checkInputValue(inner, `${where}.${tag}`, entities) : `${where}: "${tag}" takes an array`;
    case '$dict':
      if (!Array.isArray(inner) || !inner.every((p) => Array.isArray(p) && p.length === 2)) {
        return `${where}: "$dict" takes an array of [key, value] pairs`;
      }
      return checkInputValue(inner, `${where}.$dict`, entities);
    default:
      return `${where}: '${tag}' is not a known value tag (known: $int, $float, $bytes, $tuple, $set, $dict, $entity/$key); keys starting with '$' are reserved`;
  }
}

/** Narrows a checked value to the encoded value type. */
export function asEncoded(value: unknown): EncodedValue {
  return value as EncodedValue;
}
