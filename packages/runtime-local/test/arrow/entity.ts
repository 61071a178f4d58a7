import type { EntityClass, EntityState, Field, Method, TypeRef } from '@stateflow/ir';

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

const user = (key: string) => ({ $entity: 'User', $key: key });

/** Instances of Everything: every kind of value, big ints, special floats, unset attributes. */
export const everythingRows: [string, EntityState][] = [
  [
    'a',
    {
      count: 3,
      price: 1.5,
      name: 'Ünïcode ✓',
      active: true,
      blob: { $bytes: Buffer.from([0, 1, 255]).toString('base64') },
      note: 'hello',
      owner: user('ann'),
      best_friend: user('bob'),
      tags: ['x', 'y'],
      scores: { math: 1 },
      pair: { $tuple: [1, 'one'] },
      ids: { $set: [1, 2] },
      anything: { $dict: [[1, 'one']] },
      either: 'text',
    },
  ],
  [
    'b',
    {
      count: { $int: '9007199254740993' },
      price: { $float: '2.0' },
      name: '',
      active: false,
      blob: { $bytes: '' },
      note: null,
      owner: user('zed'),
      best_friend: null,
      tags: [],
      scores: {},
      pair: { $tuple: [-1, ''] },
      ids: { $set: [] },
      anything: null,
      either: 7,
    },
  ],
  // an instance that has not set most of its attributes yet
  ['c', { count: -5, price: { $float: 'nan' }, name: 'c', note: null, best_friend: null }],
  ['d', { count: 0, price: { $float: '-inf' }, name: 'd', note: null, best_friend: null, anything: [1, { $float: '1e+300' }] }],
];
