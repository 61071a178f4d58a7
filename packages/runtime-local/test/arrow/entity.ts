import type { EntityClass, Field, Method, TypeRef } from '@stateflow/ir';

const init: Method = { kind: 'Method', name: '__init__', params: [], returns: { kind: 'NoneType' }, writes: true, loc: 'synthetic', body: { kind: 'SimpleBody' } };

/** An entity class with the given fields (only the fields matter for state tables). */
export function entityWith(name: string, fields: { [name: string]: TypeRef }): EntityClass {
  return {
    kind: 'EntityClass',
    name,
    loc: 'synthetic',
    key: { method: '__key__', type: { kind: 'Str' } },
    fields: Object.entries(fields).map(([n, type]): Field => ({ kind: 'Field', name: n, type, loc: 'synthetic' })),
    init,
    methods: [],
  };
}

const Int = { kind: 'Int' } as const;
const Str = { kind: 'Str' } as const;

/** One field of every kind the table mapping distinguishes. */
export const Everything = entityWith('Everything', {
  count: Int,
  price: { kind: 'Float' },
  name: Str,
  active: { kind: 'Bool' },
  blob: { kind: 'Bytes' },
  note: { kind: 'Optional', item: Str },
  owner: { kind: 'EntityRef', entity: 'User' },
  best_friend: { kind: 'Optional', item: { kind: 'EntityRef', entity: 'User' } },
  tags: { kind: 'List', item: Str },
  scores: { kind: 'Dict', key: Str, value: Int },
  pair: { kind: 'Tuple', items: [Int, Str] },
  ids: { kind: 'Set', item: Int },
  anything: { kind: 'Any' },
  either: { kind: 'Union', options: [Int, Str] },
});
