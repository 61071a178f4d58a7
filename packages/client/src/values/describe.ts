import type { TypeRef } from '@stateflow/ir';

/** A Python-like spelling of a type, for messages: `List[Item]`, `Optional[int]`. */
export function describeType(type: TypeRef): string {
  switch (type.kind) {
    case 'Int':
      return 'int';
    case 'Float':
      return 'float';
    case 'Str':
      return 'str';
    case 'Bool':
      return 'bool';
    case 'Bytes':
      return 'bytes';
    case 'NoneType':
      return 'None';
    case 'Any':
      return 'Any';
    case 'List':
      return `List[${describeType(type.item)}]`;
    case 'Set':
      return `Set[${describeType(type.item)}]`;
    case 'Dict':
      return `Dict[${describeType(type.key)}, ${describeType(type.value)}]`;
    case 'Tuple':
      return type.variadic
        ? `Tuple[${type.items.map(describeType).join(', ')}, ...]`
        : `Tuple[${type.items.map(describeType).join(', ')}]`;
    case 'Optional':
      return `Optional[${describeType(type.item)}]`;
    case 'Union':
      return `Union[${type.options.map(describeType).join(', ')}]`;
    case 'EntityRef':
      return type.entity;
  }
}

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
