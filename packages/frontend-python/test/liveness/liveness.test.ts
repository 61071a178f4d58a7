import type { Block, Method } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/index.js';

async function blocksOf(body: string, method = 'm'): Promise<Block[]> {
  const source = `from stateflow import stateflow


@stateflow
class Item:
    def __init__(self, k: str):
        self.k: str = k
        self.price: int = 1

    def get(self) -> int:
        return self.price

    def __key__(self):
        return self.k


@stateflow
class User:
    def __key__(self):
        return "u"

${body}`;
  const { program, diagnostics } = await compile(source, { path: 'app.py' });
  expect(diagnostics).toEqual([]);
  const m = program!.entities[1]!.methods.find((x: Method) => x.name === method)!;
  if (m.body.kind !== 'SplitBody') throw new Error('not split');
  return m.body.blocks;
}

describe('analyzeLiveness', () => {
  it('does not carry a variable that is not used after the call', async () => {
    const blocks = await blocksOf(`    def m(self, item: Item, a: int, b: int) -> int:
        before = a + 1
        print(before)
        p = item.get()
        return p + b
`);
    expect(blocks[0]!.params).toEqual(['item', 'a', 'b']);
    expect(blocks[0]!.terminator).toMatchObject({ kind: 'Invoke', live: ['b'], resultVar: '__sf_t0' });
    expect(blocks[1]!.params).toEqual(['__sf_t0', 'b']);
  });

  it('carries a variable assigned before the call and read after it', async () => {
    const blocks = await blocksOf(`    def m(self, item: Item) -> int:
        total = 3
        p = item.get()
        return p + total
`);
    expect(blocks[0]!.terminator).toMatchObject({ live: ['total'] });
  });

  it('does not carry a variable overwritten after the call before any read', async () => {
    const blocks = await blocksOf(`    def m(self, item: Item, x: int) -> int:
        p = item.get()
        x = 2
        return p + x
`);
    expect(blocks[0]!.terminator).toMatchObject({ live: [] });
  });

  it('carries to each branch target only what that branch reads', async () => {
    const blocks = await blocksOf(`    def m(self, item: Item, a: int, b: int) -> int:
        if a > 0:
            return item.get() + b
        return a
`);
    expect(blocks[0]!.terminator).toMatchObject({ kind: 'Branch', live: ['a', 'b', 'item'] });
    const [t, f] = [blocks[0]!.terminator, blocks[0]!.terminator].map((x) =>
      x.kind === 'Branch' ? [x.ifTrue, x.ifFalse] : [],
    )[0]!;
    expect(blocks.find((b) => b.id === t)!.params).toEqual(['b', 'item']);
    expect(blocks.find((b) => b.id === f)!.params).toEqual(['a']);
  });
});
