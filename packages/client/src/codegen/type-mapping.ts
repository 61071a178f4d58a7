import type { TypeRef } from '@stateflow/ir';
import type { IntMode } from '../values/decode.js';

/** Which side of a call a type is for: arguments accept more (`readonly`, `bigint`), results are exact. */
export type Side = 'argument' | 'result';

function paren(t: string): string {
  return /[|&]/.test(t) ? `(${t})` : t;
}

function union(types: string[]): string {
  return [...new Set(types.flatMap((t) => splitTopUnion(t)))].join(' | ');
}

/** Splits `A | B` at the top level only (not inside `<>`, `()` or `[]`). */
function splitTopUnion(t: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '<' || c === '(' || c === '[' || c === '{') depth++;
    else if (c === '>' || c === ')' || c === ']' || c === '}') depth--;
    else if (c === '|' && depth === 0) {
      out.push(t.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(t.slice(start).trim());
  return out;
}

/**
 * The TypeScript type of a Python annotation (the table in the generated file's header
 * and in the clients guide). `int` arguments accept `number | bigint`; `int` results are
 * `number` (or `bigint` with `int: 'bigint'`).
 */
export function tsTypeOf(type: TypeRef, side: Side, int: IntMode): string {
  const sub = (t: TypeRef): string => tsTypeOf(t, side, int);
  const arg = side === 'argument';
  switch (type.kind) {
    case 'Int':
      return arg ? 'number | bigint' : int;
    case 'Float':
      return 'number';
    case 'Str':
      return 'string';
    case 'Bool':
      return 'boolean';
    case 'Bytes':
      return 'Uint8Array';
    case 'NoneType':
      return 'null';
    case 'Any':
      return 'unknown';
    case 'List':
      return arg ? `readonly ${paren(sub(type.item))}[]` : `${paren(sub(type.item))}[]`;
    case 'Set':
      return arg ? `ReadonlySet<${sub(type.item)}> | readonly ${paren(sub(type.item))}[]` : `Set<${sub(type.item)}>`;
    case 'Dict':
      if (type.key.kind === 'Str') {
        return arg ? `Readonly<Record<string, ${sub(type.value)}>> | ReadonlyMap<string, ${sub(type.value)}>` : `Record<string, ${sub(type.value)}>`;
      }
      return arg ? `ReadonlyMap<${sub(type.key)}, ${sub(type.value)}>` : `Map<${sub(type.key)}, ${sub(type.value)}>`;
    case 'Tuple':
      if (type.variadic) return `readonly ${paren(sub(type.items[0] ?? { kind: 'Any' }))}[]`;
      return `readonly [${type.items.map(sub).join(', ')}]`;
    case 'Optional':
      return union([sub(type.item), 'null']);
    case 'Union':
      return union(type.options.map(sub));
    case 'EntityRef':
      return `EntityRef<${JSON.stringify(type.entity).replace(/"/g, "'")}>`;
  }
}
