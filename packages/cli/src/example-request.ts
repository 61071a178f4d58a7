import type { EncodedValue, EntityClass, TypeRef } from '@stateflow/ir';

/** A sample value of a type, for the example request printed by `serve`. */
function sampleValue(type: TypeRef, name: string): EncodedValue {
  switch (type.kind) {
    case 'Int':
      return 1;
    case 'Float':
      return 1.5;
    case 'Bool':
      return true;
    case 'Str':
    case 'Any':
      return name;
    case 'List':
    case 'Set':
    case 'Tuple':
      return [];
    case 'Dict':
      return {};
    case 'Optional':
      return sampleValue(type.item, name);
    case 'Union':
      return type.options[0] ? sampleValue(type.options[0], name) : null;
    case 'EntityRef':
      return { $entity: type.entity, $key: name };
    default:
      return null;
  }
}

/** A curl command that creates an instance of `cls`, with sample arguments from its `__init__` signature. */
export function exampleCreateCurl(url: string, cls: EntityClass): string {
  const args = cls.init.params
    .filter((p) => p.mode === 'positional-or-keyword' && p.default === undefined)
    .map((p) => sampleValue(p.type, p.name));
  const body = JSON.stringify({ args }).replace(/'/g, "'\\''");
  return `curl -s -X POST ${url}/${cls.name} -H 'content-type: application/json' -d '${body}'`;
}
