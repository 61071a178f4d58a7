import type { TypeRef } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/index.js';

async function fieldType(annotation: string): Promise<TypeRef> {
  const source = `from stateflow import stateflow
from typing import *


@stateflow
class Item:
    def __init__(self):
        self.f: ${annotation} = None

    def __key__(self):
        return "k"
`;
  const { program, diagnostics } = await compile(source, { path: 'app.py' });
  expect(diagnostics).toEqual([]);
  return program!.entities[0]!.fields[0]!.type;
}

describe('TypeResolver', () => {
  it.each([
    ['int', { kind: 'Int' }],
    ['bytes', { kind: 'Bytes' }],
    ['None', { kind: 'NoneType' }],
    ['Item', { kind: 'EntityRef', entity: 'Item' }],
    ['"Item"', { kind: 'EntityRef', entity: 'Item' }],
    ['typing.List[int]', { kind: 'List', item: { kind: 'Int' } }],
    ['Dict[str, Item]', { kind: 'Dict', key: { kind: 'Str' }, value: { kind: 'EntityRef', entity: 'Item' } }],
    ['Tuple[int, ...]', { kind: 'Tuple', items: [{ kind: 'Int' }], variadic: true }],
    ['tuple[int, str]', { kind: 'Tuple', items: [{ kind: 'Int' }, { kind: 'Str' }] }],
    ['Optional["Item"]', { kind: 'Optional', item: { kind: 'EntityRef', entity: 'Item' } }],
    ['int | None', { kind: 'Optional', item: { kind: 'Int' } }],
    ['Union[int, str]', { kind: 'Union', options: [{ kind: 'Int' }, { kind: 'Str' }] }],
    ['Union[int, str, None]', { kind: 'Optional', item: { kind: 'Union', options: [{ kind: 'Int' }, { kind: 'Str' }] } }],
    ['Unknown', { kind: 'Any' }],
    ['"List[int]"', { kind: 'Any' }],
  ])('resolves %s', async (annotation, expected) => {
    expect(await fieldType(annotation)).toEqual(expected);
  });
});
