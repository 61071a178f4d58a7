import { RecordBatch, Struct, Table, makeData, type Data } from 'apache-arrow';
import { describeType, type EncodedValue, type EntityClass, type EntityState } from '@stateflow/ir';
import { FixedWidthBuilder, VarWidthBuilder } from './column-builders.js';
import { StateTableError } from './errors.js';
import { fieldOf } from './fields.js';
import { arrowTypeOf, entityArrowSchema, planColumns, type ColumnPlan } from './schema.js';
import { INT64_MAX, INT64_MIN, decodeBytes, decodeFloat, decodeInt, decodeRef, describeValue } from './values.js';

/** One instance: its key and its encoded state. */
export type StateRow = readonly [key: string, state: EntityState];

/**
 * Builds the Arrow table of the instances of one entity class: a `__key__` column and
 * one typed column per field (schema: {@link entityArrowSchema}). A field an instance
 * has not set (or an `Optional` field holding `None`) is a null cell.
 *
 * @throws {StateTableError} `ValueType` when a value does not fit its field's type,
 * naming the instance and the field, e.g. an `int` field beyond the Int64 range.
 */
export function stateToArrowTable(entity: EntityClass, rows: Iterable<StateRow>): Table {
  const all = Array.isArray(rows) ? (rows as StateRow[]) : [...rows];
  const n = all.length;
  const schema = entityArrowSchema(entity);
  const keys = new VarWidthBuilder(n);
  for (let i = 0; i < n; i++) keys.string(i, all[i]![0]);
  const children: Data[] = [keys.finish(schema.fields[0]!.type)];
  for (const plan of planColumns(entity)) children.push(buildColumn(entity, plan, all));
  const struct = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children });
  return new Table(new RecordBatch(schema, struct));
}

function buildColumn(entity: EntityClass, plan: ColumnPlan, rows: StateRow[]): Data {
  const n = rows.length;
  const type = arrowTypeOf(plan.kind);
  const mistyped = (i: number, value: EncodedValue, hint?: string): StateTableError => {
    const key = rows[i]![0];
    return new StateTableError(
      'ValueType',
      `${entity.name} '${key}', field '${plan.name}' (${describeType(plan.type)}): cannot store ${describeValue(value)}` +
        (hint ? `; ${hint}` : ''),
      { key, column: plan.name },
    );
  };
  const cell = (i: number): EncodedValue | undefined => {
    const value = fieldOf(rows[i]![1], plan.name);
    if (value === undefined) return undefined;
    if (value === null) {
      if (plan.optional || plan.kind === 'json') return undefined;
      throw mistyped(i, value, `annotate the field as Optional[${describeType(plan.type)}] to allow None`);
    }
    return value;
  };
  switch (plan.kind) {
    case 'int': {
      const b = new FixedWidthBuilder(n, new BigInt64Array(n));
      for (let i = 0; i < n; i++) {
        const v = cell(i);
        if (v === undefined) {
          b.null();
          continue;
        }
        const x = typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : typeof v === 'boolean' ? undefined : decodeInt(v);
        if (x === undefined) throw mistyped(i, v);
        if (x < INT64_MIN || x > INT64_MAX) {
          throw mistyped(i, v, 'it is outside the 64-bit range of an Arrow Int64 column; annotate the field as Any to export it as JSON text');
        }
        b.values[i] = x;
        b.valid(i);
      }
      return b.finish(type);
    }
    case 'float': {
      const b = new FixedWidthBuilder(n, new Float64Array(n));
      for (let i = 0; i < n; i++) {
        const v = cell(i);
        if (v === undefined) {
          b.null();
          continue;
        }
        const x = typeof v === 'number' ? v : typeof v === 'boolean' ? undefined : decodeFloat(v);
        if (x === undefined) throw mistyped(i, v);
        b.values[i] = x;
        b.valid(i);
      }
      return b.finish(type);
    }
    case 'bool': {
      const b = new FixedWidthBuilder(n, new Uint8Array(Math.ceil(n / 8)));
      for (let i = 0; i < n; i++) {
        const v = cell(i);
        if (v === undefined) {
          b.null();
          continue;
        }
        if (typeof v !== 'boolean') throw mistyped(i, v);
        if (v) b.values[i >> 3]! |= 1 << (i & 7);
        b.valid(i);
      }
      return b.finish(type);
    }
    case 'bytes': {
      const b = new VarWidthBuilder(n);
      for (let i = 0; i < n; i++) {
        const v = cell(i);
        if (v === undefined) {
          b.null(i);
          continue;
        }
        const x = decodeBytes(v);
        if (x === undefined) throw mistyped(i, v);
        b.bytes(i, x);
      }
      return b.finish(type);
    }
    case 'str':
    case 'ref': {
      const b = new VarWidthBuilder(n);
      for (let i = 0; i < n; i++) {
        const v = cell(i);
        if (v === undefined) {
          b.null(i);
          continue;
        }
        const x = plan.kind === 'str' ? (typeof v === 'string' ? v : undefined) : decodeRef(v, plan.entity!);
        if (x === undefined) throw mistyped(i, v);
        b.string(i, x);
      }
      return b.finish(type);
    }
    case 'json': {
      const b = new VarWidthBuilder(n);
      for (let i = 0; i < n; i++) {
        const v = fieldOf(rows[i]![1], plan.name);
        if (v === undefined || (v === null && plan.optional)) b.null(i);
        else b.string(i, JSON.stringify(v));
      }
      return b.finish(type);
    }
  }
}
