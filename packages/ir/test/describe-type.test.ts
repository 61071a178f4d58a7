import { describe, expect, it } from 'vitest';
import { describeType, type TypeRef } from '../dist/index.js';

describe('describeType', () => {
  it('spells types the way the Python annotation would', () => {
    const cases: [TypeRef, string][] = [
      [{ kind: 'Int' }, 'int'],
      [{ kind: 'NoneType' }, 'None'],
      [{ kind: 'List', item: { kind: 'EntityRef', entity: 'Item' } }, 'List[Item]'],
      [{ kind: 'Dict', key: { kind: 'Str' }, value: { kind: 'Float' } }, 'Dict[str, float]'],
      [{ kind: 'Tuple', items: [{ kind: 'Int' }], variadic: true }, 'Tuple[int, ...]'],
      [{ kind: 'Tuple', items: [{ kind: 'Int' }, { kind: 'Bytes' }] }, 'Tuple[int, bytes]'],
      [{ kind: 'Optional', item: { kind: 'Bool' } }, 'Optional[bool]'],
      [{ kind: 'Union', options: [{ kind: 'Int' }, { kind: 'Str' }] }, 'Union[int, str]'],
      [{ kind: 'Set', item: { kind: 'Any' } }, 'Set[Any]'],
    ];
    for (const [type, text] of cases) expect(describeType(type)).toBe(text);
  });
});
