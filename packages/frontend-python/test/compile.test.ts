import { describe, expect, it } from 'vitest';
import { compile } from '../src/index.js';
import { assertValidProgram, assertValidPython } from './run-fixtures.js';

const SHOP = `from stateflow import stateflow


@stateflow
class Item:
    def __init__(self, name: str):
        self.name: str = name
        self.price: int = 1

    def __key__(self):
        return self.name
`;

describe('compile', () => {
  it('names the module after the file stem unless told otherwise', async () => {
    expect((await compile(SHOP, { path: 'src/app.py' })).program?.module.name).toBe('app');
    expect((await compile(SHOP, { path: 'src/app.py', moduleName: 'shop' })).program?.module.name).toBe('shop');
  });

  it('keeps the source unchanged when nothing splits', async () => {
    const { program } = await compile(SHOP, { path: 'app.py' });
    expect(program!.module.source).toBe(SHOP);
    expect(program!.module.path).toBe('app.py');
  });

  it('returns diagnostics and no program for user errors, without throwing', async () => {
    for (const source of ['def (', '@stateflow\nclass X:\n  pass\n', '\u0000\u0001', '']) {
      const result = await compile(source, { path: 'x.py' });
      if (result.diagnostics.some((d) => d.severity === 'error')) expect(result.program).toBeUndefined();
      else assertValidProgram(result.program!);
    }
  });

  it('reports 1-based line and column with the file path', async () => {
    const { diagnostics } = await compile('from stateflow import stateflow\n\n@stateflow\nclass Item:\n    pass\n', {
      path: 'dir/app.py',
    });
    expect(diagnostics.map((d) => [d.code, d.file, d.span?.line, d.span?.column])).toEqual([
      ['SF2001', 'dir/app.py', 4, 7],
    ]);
    expect(diagnostics[0]!.help).toBe('add `def __key__(self)` returning the partition key');
  });

  it('reuses one parser across concurrent compilations', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => compile(SHOP, { path: 'app.py' })));
    for (const r of results) assertValidProgram(r.program!);
  });

  it('compiles a large generated module', async () => {
    const parts = ['from stateflow import stateflow\n'];
    for (let i = 0; i < 200; i++) {
      parts.push(`
@stateflow
class E${i}:
    def __init__(self, k: str):
        self.k: str = k
        self.n: int = 0

    def bump(self, other: "E${i}", by: int) -> int:
        x = by * 2
        y = other.n + x
        if y > 3:
            other.bump(self, 1)
        self.n += y
        return self.n

    def __key__(self):
        return self.k
`);
    }
    const { program, diagnostics } = await compile(parts.join(''), { path: 'big.py' });
    expect(diagnostics).toEqual([]);
    assertValidProgram(program!);
    assertValidPython(program!.module.source);
    expect(program!.entities).toHaveLength(200);
  });
});
