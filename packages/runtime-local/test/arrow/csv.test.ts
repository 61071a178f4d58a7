import { describe, expect, it } from 'vitest';
import { StateTableError, csvToState, parseCsv } from '../../src/arrow/index.js';
import { entityWith } from './entity.js';

const Item = entityWith('Item', {
  item_name: { kind: 'Str' },
  stock: { kind: 'Int' },
  price: { kind: 'Float' },
  active: { kind: 'Bool' },
  note: { kind: 'Optional', item: { kind: 'Str' } },
  limit: { kind: 'Optional', item: { kind: 'Int' } },
  owner: { kind: 'EntityRef', entity: 'User' },
  tags: { kind: 'List', item: { kind: 'Str' } },
});

const header = '__key__,item_name,stock,price,active,note,limit,owner,tags';

function errorOf(f: () => unknown): StateTableError {
  try {
    f();
  } catch (err) {
    if (err instanceof StateTableError) return err;
    throw err;
  }
  throw new Error('expected a StateTableError');
}

describe('parseCsv (RFC 4180)', () => {
  it('parses quotes, doubled quotes, embedded commas and line breaks, CRLF', () => {
    const records = parseCsv('a,b,c\r\n"x, y","say ""hi""","two\nlines"\r\n,"",z\n');
    expect(records.map((r) => r.cells)).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'two\nlines'],
      ['', '', 'z'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 4]);
    expect(records[2]!.quoted).toEqual([false, true, false]);
  });

  it('skips a byte-order mark and handles a missing final newline', () => {
    expect(parseCsv('\ufeffa,b\n1,2').map((r) => r.cells)).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('reports an unterminated quote and stray text after a quote', () => {
    expect(() => parseCsv('a\n"open\n')).toThrow(`line 2: a quoted field is never closed (missing '"')`);
    expect(() => parseCsv('a\n"x"y\n')).toThrow('line 2: unexpected text after a closing quote');
    // csvToState names its source (the file) too.
    expect(() => csvToState(Item, `${header}\n"open\n`, 'items.csv')).toThrow(`items.csv line 2: a quoted field is never closed`);
  });
});

describe('csvToState', () => {
  it('converts cells by the field types', () => {
    const csv = `${header}\ncoke,Coke,10,1.5,true,"",,ann,"[""a""]"\npepsi,Pepsi,${2n ** 70n},2,0,hi,3,bob,[]\n`;
    expect(csvToState(Item, csv)).toEqual([
      ['coke', { item_name: 'Coke', stock: 10, price: 1.5, active: true, note: '', limit: null, owner: { $entity: 'User', $key: 'ann' }, tags: ['a'] }],
      [
        'pepsi',
        { item_name: 'Pepsi', stock: { $int: String(2n ** 70n) }, price: { $float: '2.0' }, active: false, note: 'hi', limit: 3, owner: { $entity: 'User', $key: 'bob' }, tags: [] },
      ],
    ]);
  });

  it('keeps a field named __proto__ as a field', () => {
    const Odd = entityWith('Odd', { ['__proto__']: { kind: 'Int' } });
    const [[key, state]] = csvToState(Odd, '__key__,__proto__\na,5\n') as [[string, object]];
    expect(key).toBe('a');
    expect(JSON.stringify(state)).toBe('{"__proto__":5}');
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
  });

  it('accepts columns in any order', () => {
    const csv = 'tags,owner,limit,note,active,price,stock,item_name,__key__\n[],u,,,false,0.25,1,n,k\n';
    expect(csvToState(Item, csv)[0]![1]).toMatchObject({ stock: 1, price: 0.25, item_name: 'n' });
  });

  it('names the row, line and column of a value of the wrong type', () => {
    const csv = `${header}\ncoke,Coke,10,1.5,true,,,ann,[]\npepsi,Pepsi,lots,2,false,,,bob,[]\n`;
    const err = errorOf(() => csvToState(Item, csv, 'items.csv'));
    expect(err.message).toBe("items.csv row 2 (line 3), column 'stock': 'lots' is not an integer (the field is int)");
    expect(err.where).toEqual({ row: 2, column: 'stock', key: 'pepsi' });
    expect(errorOf(() => csvToState(Item, `${header}\nk,n,1,cheap,true,,,u,[]\n`)).message).toBe(
      "CSV row 1 (line 2), column 'price': 'cheap' is not a number (the field is float)",
    );
    expect(errorOf(() => csvToState(Item, `${header}\nk,n,1,1,yes,,,u,[]\n`)).message).toContain("column 'active': 'yes' is not a boolean");
    expect(errorOf(() => csvToState(Item, `${header}\nk,n,1,1,true,,,u,[oops\n`)).message).toContain("column 'tags': '[oops' is not JSON");
    expect(errorOf(() => csvToState(Item, `${header}\nk,n,,1,true,,,u,[]\n`)).message).toBe(
      "CSV row 1 (line 2), column 'stock': empty cell, but the field is int; fill it in, or annotate the field Optional[int] to allow None",
    );
  });

  it('reports header problems and ragged rows', () => {
    expect(errorOf(() => csvToState(Item, 'item_name\nx\n')).code).toBe('MissingColumn');
    expect(errorOf(() => csvToState(Item, `${header},colour\n`)).message).toContain("column 'colour' in the header is not a field of Item");
    expect(errorOf(() => csvToState(Item, `${header}\nk,n,1\n`)).message).toBe('CSV row 1 (line 2): 3 cells, but the header has 9 columns');
    expect(errorOf(() => csvToState(Item, `${header}\nk,n,1,1,true,,,u,[]\nk,n,1,1,true,,,u,[]\n`)).message).toContain("key 'k' already used in row 1");
    expect(errorOf(() => csvToState(Item, '')).message).toContain('empty; the first line must be a header');
    expect(errorOf(() => csvToState(Item, `${header}\n${'k'.repeat(1001)},n,1,1,true,,,u,[]\n`)).message).toContain(
      "CSV row 1 (line 2), column '__key__': the key 'kkkk",
    );
  });
});
