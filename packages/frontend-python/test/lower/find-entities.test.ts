import { describe, expect, it } from 'vitest';
import { compile } from '../../src/index.js';

const ITEM = `
class Item:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name
`;

async function diagnose(source: string) {
  const { program, diagnostics } = await compile(source, { path: 'app.py' });
  return { program, found: diagnostics.map((d) => ({ code: d.code, line: d.span?.line, help: d.help })) };
}

describe('entity classes registered by calling the decorator', () => {
  it.each([
    ['import stateflow', 'Item = stateflow.stateflow(Item)'],
    ['from stateflow import stateflow', 'Item = stateflow(Item)'],
    ['from stateflow import stateflow', 'stateflow(Item)'],
    ['from stateflow import stateflow as sf', 'sf(Item)'],
  ])('treats the class as an entity (%s; %s)', async (imports, call) => {
    const { program, found } = await diagnose(`${imports}\n${ITEM}\n\n${call}\n`);
    expect(found).toEqual([]);
    expect(program!.entities.map((e) => e.name)).toEqual(['Item']);
  });

  it('keeps entities in the order of their class definitions', async () => {
    const source = `from stateflow import stateflow\n${ITEM}\n\n@stateflow\n${ITEM.replaceAll('Item', 'Cart')}\n\nstateflow(Item)\n`;
    const { program } = await diagnose(source);
    expect(program!.entities.map((e) => e.name)).toEqual(['Item', 'Cart']);
  });

  it('registers a decorated class once when it is also registered by a call', async () => {
    const { program, found } = await diagnose(`from stateflow import stateflow\n\n@stateflow${ITEM}\n\nstateflow(Item)\n`);
    expect(found).toEqual([]);
    expect(program!.entities.map((e) => e.name)).toEqual(['Item']);
  });

  it('reports a call that names no earlier top-level class, with the decorator as the fix', async () => {
    const { found } = await diagnose(`from stateflow import stateflow\n\nstateflow(Item)\n${ITEM}`);
    expect(found).toEqual([
      {
        code: 'SF2016',
        line: 3,
        help: 'decorate the class with `@stateflow` (the line above `class Name:`), or register it after its definition with a top-level `stateflow(Name)` or `Name = stateflow(Name)`',
      },
    ]);
  });
});

describe('SF2009 (stateflow is not imported)', () => {
  it('suggests the import that provides @stateflow', async () => {
    const { found } = await diagnose(`@stateflow${ITEM}`);
    expect(found).toEqual([{ code: 'SF2009', line: 2, help: 'add `from stateflow import stateflow` at the top of the module' }]);
  });

  it('suggests `import stateflow` for @stateflow.stateflow, which the other import does not fix', async () => {
    const { found } = await diagnose(`from stateflow import stateflow\n\n@stateflow.stateflow${ITEM}`);
    expect(found).toEqual([{ code: 'SF2009', line: 4, help: 'add `import stateflow` at the top of the module' }]);
  });

  it('reports a registration call through a module that is not imported', async () => {
    const { found } = await diagnose(`${ITEM}\n\nItem = stateflow.stateflow(Item)\n`);
    expect(found).toEqual([{ code: 'SF2009', line: 10, help: 'add `import stateflow` at the top of the module' }]);
  });
});

describe('SF2017 (a lambda over entities)', () => {
  it('suggests a loop written with the names of the program', async () => {
    const source = `from typing import List\nfrom stateflow import stateflow\n\n@stateflow${ITEM.replace(
      '    def __key__',
      '    def price(self) -> int:\n        return 1\n\n    def cheapest(self, items: List["Item"]) -> "Item":\n        return min(items, key=lambda i: i.price())\n\n    def __key__',
    )}`;
    const { found } = await diagnose(source);
    expect(found).toEqual([
      {
        code: 'SF2017',
        line: 13,
        help: 'write a loop in the method instead, e.g. `for i in items:` then `value = i.price()` and keep the best (or every) value in a local variable; a comprehension works too: `values = [i.price() for i in items]`',
      },
    ]);
  });
});
