import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toPlainJson, validateProgram } from '../dist/index.js';
import { fixturePath, loadFixture } from './support/fixtures.js';

function python(...args: string[]): string {
  return execFileSync('python3', args, { encoding: 'utf8' });
}

describe('IR fixtures', () => {
  it.each(['shop.ir.json', 'bank.ir.json'])('%s carries a module that is valid Python', (name) => {
    const program = loadFixture(name);
    const file = join(mkdtempSync(join(tmpdir(), 'sf-ir-')), `${program.module.name}.py`);
    writeFileSync(file, program.module.source);
    expect(python('-c', 'import sys,ast; ast.parse(open(sys.argv[1]).read())', file)).toBe('');
  });

  it.each(['shop.ir.json', 'bank.ir.json'])('%s defines every block function its blocks name', (name) => {
    const program = loadFixture(name);
    const file = join(mkdtempSync(join(tmpdir(), 'sf-ir-')), 'module.py');
    writeFileSync(file, program.module.source);
    const script =
      'import sys,ast,json; t=ast.parse(open(sys.argv[1]).read());' +
      'print(json.dumps([[f.name,[a.arg for a in f.args.args]] for f in t.body if isinstance(f, ast.FunctionDef)]))';
    const defined = new Map<string, string[]>(JSON.parse(python('-c', script, file)));
    const result = validateProgram(program);
    expect(result.ok).toBe(true);
    for (const entity of program.entities) {
      for (const method of entity.methods) {
        if (method.body.kind !== 'SplitBody') continue;
        for (const block of method.body.blocks) {
          expect(defined.get(block.function), block.function).toEqual(['self', '__sf_env']);
        }
      }
    }
  });

  it("keeps the user's source unchanged at the start of the shop module", () => {
    const source = readFileSync(new URL('../../../examples/shop/app.py', import.meta.url), 'utf8');
    expect(loadFixture('shop.ir.json').module.source.startsWith(source)).toBe(true);
  });
});

describe('value vectors', () => {
  it('agree with the reference encoder of the encoding table', () => {
    const bad = python(fixturePath('../support/reference_encoder.py'), fixturePath('values.json'));
    expect(JSON.parse(bad)).toEqual([]);
  });

  it('cover every row of the encoding table', () => {
    const vectors: { name: string; python: string; encoded: any }[] = loadFixture('values.json');
    const tags = new Set<string>();
    const visit = (v: any): void => {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v !== null && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k.startsWith('$')) tags.add(k);
          visit(x);
        }
      }
    };
    vectors.forEach((v) => visit(v.encoded));
    // $enum needs an Enum class of a program (kernel test_request_values.py); $exception only crosses hops.
    expect([...tags].sort()).toEqual([
      '$bytearray',
      '$bytes',
      '$date',
      '$datetime',
      '$decimal',
      '$dict',
      '$entity',
      '$float',
      '$frozenset',
      '$int',
      '$key',
      '$set',
      '$time',
      '$timedelta',
      '$tuple',
      '$uuid',
    ]);
    expect(new Set(vectors.map((v) => v.name)).size).toBe(vectors.length);
  });

  it('turn into plain JSON for API users', () => {
    const byName = new Map(loadFixture<any[]>('values.json').map((v) => [v.name, v.encoded]));
    expect(toPlainJson(byName.get('dict nested values'))).toEqual({ pair: [1, 2], big: { $int: '18446744073709551616' } });
    expect(toPlainJson(byName.get('float nan'))).toEqual({ $float: 'nan' });
    expect(toPlainJson(byName.get('set ints'))).toEqual([1, 2, 3]);
    expect(toPlainJson(byName.get('entity ref'))).toEqual({ $entity: 'Item', $key: 'coke' });
    expect(toPlainJson(byName.get('frozenset in set'))).toEqual([[1, 2]]);
    expect(toPlainJson(byName.get('date as dict key'))).toEqual({ $dict: [[{ $date: '2024-01-01' }, 'new year']] });
    expect(toPlainJson(byName.get('bytearray'))).toEqual({ $bytearray: 'AP9oaQ==' });
    expect(toPlainJson(byName.get('decimal'))).toEqual({ $decimal: '1.10' });
    // A `__proto__` key stays an own key (the HTTP API once answered `{}` for it).
    expect(JSON.stringify(toPlainJson(byName.get('dict str key __proto__')))).toBe('{"__proto__":[],"constructor":1}');
  });
});
