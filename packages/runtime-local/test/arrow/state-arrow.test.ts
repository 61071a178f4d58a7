import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Field, Int32, Schema, Table, Type, makeData, RecordBatch, Struct, Utf8, makeVector, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { EntityState } from '@stateflow/ir';
import {
  StateTableError,
  arrowTableToState,
  exportStateFile,
  importStateFile,
  readArrowIpcFile,
  readParquetFile,
  stateToArrowTable,
  writeArrowIpcFile,
} from '../../src/arrow/index.js';
import { Everything, entityWith, everythingRows } from './entity.js';

const dir = mkdtempSync(join(tmpdir(), 'sf-arrow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rows = everythingRows;

describe('stateToArrowTable / arrowTableToState', () => {
  it('maps field types to Arrow types with metadata', () => {
    const table = stateToArrowTable(Everything, rows);
    const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toEqual({
      __key__: 'Utf8',
      count: 'Int64',
      price: 'Float64',
      name: 'Utf8',
      active: 'Bool',
      blob: 'Binary',
      note: 'Utf8',
      owner: 'Utf8',
      best_friend: 'Utf8',
      tags: 'Utf8',
      scores: 'Utf8',
      pair: 'Utf8',
      ids: 'Utf8',
      anything: 'Utf8',
      either: 'Utf8',
    });
    const field = (name: string) => table.schema.fields.find((f) => f.name === name)!;
    expect(field('__key__').nullable).toBe(false);
    expect(field('owner').metadata.get('stateflow.entity')).toBe('User');
    expect(field('tags').metadata.get('stateflow.encoding')).toBe('json');
    expect(field('count').metadata.get('stateflow.encoding')).toBeUndefined();
    expect(JSON.parse(field('note').metadata.get('stateflow.type')!)).toEqual({ kind: 'Optional', item: { kind: 'Str' } });
    expect(table.schema.metadata.get('stateflow.entity')).toBe('Everything');
    expect(table.numRows).toBe(4);
  });

  it('round-trips every value, including big ints, special floats and unset attributes', () => {
    const back = arrowTableToState(Everything, stateToArrowTable(Everything, rows));
    expect(JSON.stringify(back)).toBe(JSON.stringify(rows));
  });

  it('keeps fields named like Object.prototype members (__proto__, constructor) as fields', () => {
    const Odd = entityWith('Odd', { ['__proto__']: { kind: 'Int' }, constructor: { kind: 'Optional', item: { kind: 'Str' } } });
    const set: [string, EntityState][] = [['a', JSON.parse('{"__proto__": 5, "constructor": "c"}') as EntityState]];
    const back = arrowTableToState(Odd, stateToArrowTable(Odd, set));
    expect(JSON.stringify(back)).toBe('[["a",{"__proto__":5,"constructor":"c"}]]');
    expect(Object.getPrototypeOf(back[0]![1])).toBe(Object.prototype);
    // Unset, they are unset (null cells), not Object.prototype's members.
    const unset = arrowTableToState(Odd, stateToArrowTable(Odd, [['b', {}]]));
    expect(JSON.stringify(unset)).toBe('[["b",{"constructor":null}]]');
  });

  it('round-trips through an IPC file read back with apache-arrow itself', async () => {
    const path = join(dir, 'every.arrow');
    await writeArrowIpcFile(path, stateToArrowTable(Everything, rows));
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 6).toString()).toBe('ARROW1');
    const table = tableFromIPC(bytes);
    expect(table.getChild('__key__')!.toArray()).toEqual(['a', 'b', 'c', 'd']);
    expect(table.getChild('count')!.type.typeId).toBe(Type.Int);
    expect((table.getChild('count')!.type as { bitWidth: number }).bitWidth).toBe(64);
    expect([...table.getChild('count')!]).toEqual([3n, 9007199254740993n, -5n, 0n]);
    expect(table.getChild('price')!.get(0)).toBe(1.5);
    expect(table.getChild('name')!.get(0)).toBe('Ünïcode ✓');
    expect(table.getChild('active')!.get(0)).toBe(true);
    expect([...table.getChild('blob')!.get(0)]).toEqual([0, 1, 255]);
    expect(table.getChild('note')!.get(1)).toBeNull();
    expect(table.getChild('owner')!.get(1)).toBe('zed');
    expect(JSON.parse(table.getChild('tags')!.get(0))).toEqual(['x', 'y']);
    expect(table.getChild('active')!.get(2)).toBeNull();
    const read = await readArrowIpcFile(path);
    expect(JSON.stringify(arrowTableToState(Everything, read))).toBe(JSON.stringify(rows));
  });

  it('round-trips through Parquet', async () => {
    const path = join(dir, 'every.parquet');
    expect(await exportStateFile(Everything, rows, path)).toEqual({ format: 'parquet', rows: 4 });
    expect(readFileSync(path).subarray(0, 4).toString()).toBe('PAR1');
    const table = await readParquetFile(path);
    expect(table.getChild('count')!.type.typeId).toBe(Type.Int);
    const { rows: back } = await importStateFile(Everything, path);
    expect(JSON.stringify(back)).toBe(JSON.stringify(rows));
  });

  it('reads an unset Optional attribute back as None (a null cell cannot tell them apart)', () => {
    const Item = entityWith('Item', { note: { kind: 'Optional', item: { kind: 'Str' } }, stock: { kind: 'Int' } });
    expect(arrowTableToState(Item, stateToArrowTable(Item, [['k', {}]]))).toEqual([['k', { note: null }]]);
  });

  it('handles many rows and long strings', () => {
    const Item = entityWith('Item', { name: { kind: 'Str' }, stock: { kind: 'Int' } });
    const many: [string, EntityState][] = Array.from({ length: 5000 }, (_, i) => [`k${i}`, { name: 'x'.repeat(i % 300) + 'é', stock: i }]);
    const back = arrowTableToState(Item, stateToArrowTable(Item, many));
    expect(back).toEqual(many);
  });

  it('refuses an int beyond Int64 with the instance and field named', () => {
    const Big = entityWith('Big', { n: { kind: 'Int' } });
    expect(() => stateToArrowTable(Big, [['k', { n: { $int: String(2n ** 64n) } }]])).toThrow(
      /Big 'k', field 'n' \(int\): cannot store .* outside the 64-bit range .* annotate the field as Any/,
    );
  });

  it('refuses a mistyped value naming the instance and field', () => {
    const Item = entityWith('Item', { stock: { kind: 'Int' } });
    const err = catchError(() => stateToArrowTable(Item, [['coke', { stock: 'many' }]]));
    expect(err).toBeInstanceOf(StateTableError);
    expect(err.code).toBe('ValueType');
    expect(err.message).toBe(`Item 'coke', field 'stock' (int): cannot store "many" (a str)`);
    expect(() => stateToArrowTable(Item, [['coke', { stock: null }]])).toThrow(/annotate the field as Optional\[int\]/);
  });

  it('reports missing, unknown and mistyped columns clearly', () => {
    const Item = entityWith('Item', { stock: { kind: 'Int' }, price: { kind: 'Float' } });
    const keys = vectorFromArray(['a'], new Utf8());
    expect(() => arrowTableToState(Item, new Table({ __key__: keys, stock: makeVector(new Int32Array([1])) }))).toThrow(
      "the table has no column 'price' (Item needs '__key__' and one column per field: stock, price); the table has: __key__, stock",
    );
    expect(() =>
      arrowTableToState(Item, new Table({ __key__: keys, stock: makeVector(new Int32Array([1])), price: makeVector(new Float64Array([1])), extra: keys })),
    ).toThrow("column 'extra' is not a field of Item (fields: stock, price); remove it from the table");
    expect(() => arrowTableToState(Item, new Table({ __key__: keys, stock: keys, price: makeVector(new Float64Array([1])) }))).toThrow(
      "column 'stock' has Arrow type Utf8, expected Int64 for Item.stock (int)",
    );
  });

  it('accepts narrower integer columns, as other tools write them', () => {
    const Item = entityWith('Item', { stock: { kind: 'Int' }, price: { kind: 'Float' } });
    const table = new Table({ __key__: vectorFromArray(['a', 'b']), stock: makeVector(new Int32Array([1, 2])), price: makeVector(new Int32Array([3, 4])) });
    expect(arrowTableToState(Item, table)).toEqual([
      ['a', { stock: 1, price: { $float: '3.0' } }],
      ['b', { stock: 2, price: { $float: '4.0' } }],
    ]);
  });

  it('refuses null, duplicate and over-long keys', () => {
    const Item = entityWith('Item', {});
    const schema = new Schema([new Field('__key__', new Utf8(), true)]);
    const dup = new Table({ __key__: vectorFromArray(['a', 'b', 'a']) });
    expect(() => arrowTableToState(Item, dup)).toThrow("rows 1 and 3 have the same key 'a'; keys must be unique");
    const withNull = new Table(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 1, nullCount: 0, children: [vectorFromArray([null], new Utf8()).data[0]!] })));
    expect(() => arrowTableToState(Item, withNull)).toThrow("row 1: '__key__' is null; every row needs a key");
    const long = new Table({ __key__: vectorFromArray(['a', 'k'.repeat(1001)]) });
    expect(() => arrowTableToState(Item, long)).toThrow(/row 2, column '__key__': the key 'k+…' is 1001 bytes long; instance keys are at most 1000 bytes/);
  });

  it('refuses damaged files the reader would loop on or run out of memory for (found by fuzzing)', async () => {
    const fixtures = fileURLToPath(new URL('../fixtures/damaged-arrow/', import.meta.url));
    // A footer block that points at a message of another kind: apache-arrow's readAll() never ends.
    await expect(readArrowIpcFile(join(fixtures, 'block-holds-other-message.arrow'))).rejects.toThrow(/block-holds-other-message\.arrow is not an Arrow IPC file/);
    // A record batch that claims 2,147,483,647 nodes and buffers: decoding them exhausts the heap.
    await expect(readArrowIpcFile(join(fixtures, 'two-billion-buffers.arrow'))).rejects.toThrow('lists 2147483647 nodes and buffers in 552 bytes of metadata');
  });

  it('says when a file is not Arrow', async () => {
    const path = join(dir, 'not.arrow');
    writeFileSync(path, 'a,b\n1,2\n');
    await expect(readArrowIpcFile(path)).rejects.toThrow(`${path} is not an Arrow IPC file`);
    void tableToIPC;
  });
});

function catchError(f: () => unknown): StateTableError {
  try {
    f();
  } catch (err) {
    return err as StateTableError;
  }
  throw new Error('expected an error');
}
