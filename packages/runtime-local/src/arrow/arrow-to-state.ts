import { DataType, type Table, type Vector } from 'apache-arrow';
import { checkKey, describeType, type EncodedValue, type EntityClass, type EntityState } from '@stateflow/ir';
import { StateTableError } from './errors.js';
import { setField } from './fields.js';
import { KEY_COLUMN, META_ENTITY, arrowTypeOf, planColumns, type ColumnPlan } from './schema.js';
import type { StateRow } from './state-to-arrow.js';
import { encodeBytes, encodeFloat, encodeInt, encodeRef } from './values.js';

/** The type of the values: a dictionary-encoded column (as pandas and pyarrow write strings) holds its dictionary's type. */
function valueType(type: DataType): DataType {
  return DataType.isDictionary(type) ? (type.dictionary as DataType) : type;
}

/** Which Arrow types a column of each kind may have on input (wider than what we write). */
function accepts(plan: ColumnPlan, declared: DataType): boolean {
  const type = valueType(declared);
  switch (plan.kind) {
    case 'int':
      return DataType.isInt(type);
    case 'float':
      return DataType.isFloat(type) || DataType.isInt(type);
    case 'bool':
      return DataType.isBool(type);
    case 'bytes':
      return DataType.isBinary(type) || DataType.isLargeBinary(type);
    default:
      return DataType.isUtf8(type) || DataType.isLargeUtf8(type);
  }
}

/**
 * Reads the instances of one entity class from an Arrow table laid out as
 * {@link stateToArrowTable} writes it (a `__key__` column and one column per field;
 * integer columns of any width, float columns of any precision and large string/binary
 * columns are accepted too). A null cell is `None` for an `Optional` field and "not set"
 * (the attribute is absent from the state) for other fields.
 *
 * @throws {StateTableError} `MissingColumn`, `UnknownColumn`, `ColumnType` for a table
 * that does not fit the class, `ValueType` (with the row) for a bad cell or key.
 */
export function arrowTableToState(entity: EntityClass, table: Table): StateRow[] {
  const names = table.schema.fields.map((f) => f.name);
  const plans = planColumns(entity);
  const known = new Set([KEY_COLUMN, ...plans.map((p) => p.name)]);
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new StateTableError(
      'UnknownColumn',
      `column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `'${c}'`).join(', ')} ${unknown.length > 1 ? 'are not fields' : 'is not a field'} of ${entity.name} (fields: ${plans.map((p) => p.name).join(', ') || 'none'}); remove ${unknown.length > 1 ? 'them' : 'it'} from the table`,
      { column: unknown[0]! },
    );
  }
  const missing = [KEY_COLUMN, ...plans.map((p) => p.name)].filter((name) => !names.includes(name));
  if (missing.length > 0) {
    throw new StateTableError(
      'MissingColumn',
      `the table has no column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `'${c}'`).join(', ')} (${entity.name} needs '${KEY_COLUMN}' and one column per field: ${plans.map((p) => p.name).join(', ')}); the table has: ${names.join(', ') || 'no columns'}`,
      { column: missing[0]! },
    );
  }
  const keyField = table.schema.fields.find((f) => f.name === KEY_COLUMN)!;
  const keyType = valueType(keyField.type);
  if (!DataType.isUtf8(keyType) && !DataType.isLargeUtf8(keyType)) {
    throw new StateTableError('ColumnType', `column '${KEY_COLUMN}' has Arrow type ${keyField.type}, expected Utf8 (keys are strings)`, {
      column: KEY_COLUMN,
    });
  }
  for (const plan of plans) {
    const field = table.schema.fields.find((f) => f.name === plan.name)!;
    if (!accepts(plan, field.type)) {
      throw new StateTableError(
        'ColumnType',
        `column '${plan.name}' has Arrow type ${field.type}, expected ${arrowTypeOf(plan.kind)} for ${entity.name}.${plan.name} (${describeType(plan.type)})`,
        { column: plan.name },
      );
    }
    const target = field.metadata.get(META_ENTITY);
    if (plan.kind === 'ref' && target !== undefined && target !== plan.entity) {
      throw new StateTableError(
        'ColumnType',
        `column '${plan.name}' holds keys of ${target}, but ${entity.name}.${plan.name} refers to ${plan.entity}`,
        { column: plan.name },
      );
    }
  }

  const n = table.numRows;
  const keyColumn = table.getChild(KEY_COLUMN)!;
  const out: StateRow[] = new Array(n);
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = keyColumn.get(i) as string | null;
    if (key === null) throw new StateTableError('ValueType', `row ${i + 1}: '${KEY_COLUMN}' is null; every row needs a key`, { row: i + 1, column: KEY_COLUMN });
    const tooLong = checkKey(key);
    if (tooLong) throw new StateTableError('ValueType', `row ${i + 1}, column '${KEY_COLUMN}': ${tooLong}`, { row: i + 1, column: KEY_COLUMN });
    const before = seen.get(key);
    if (before !== undefined) {
      throw new StateTableError('ValueType', `rows ${before + 1} and ${i + 1} have the same key '${key}'; keys must be unique`, { row: i + 1, column: KEY_COLUMN, key });
    }
    seen.set(key, i);
    out[i] = [key, {}];
  }
  for (const plan of plans) readColumn(plan, table.getChild(plan.name)!, out);
  return out;
}

function readColumn(plan: ColumnPlan, column: Vector, out: StateRow[]): void {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const raw: unknown = column.get(i);
    const state = out[i]![1] as EntityState;
    if (raw === null || raw === undefined) {
      if (plan.optional) setField(state, plan.name, null);
      continue;
    }
    setField(state, plan.name, fromCell(plan, raw, i, out[i]![0]));
  }
}

function fromCell(plan: ColumnPlan, raw: unknown, i: number, key: string): EncodedValue {
  switch (plan.kind) {
    case 'int':
      return encodeInt(typeof raw === 'bigint' ? raw : BigInt(raw as number));
    case 'float':
      return encodeFloat(Number(raw));
    case 'bool':
      return Boolean(raw);
    case 'bytes':
      return encodeBytes(raw as Uint8Array);
    case 'str':
      return raw as string;
    case 'ref':
      return encodeRef(plan.entity!, raw as string);
    case 'json':
      try {
        return JSON.parse(raw as string) as EncodedValue;
      } catch (err) {
        throw new StateTableError(
          'ValueType',
          `row ${i + 1} (key '${key}'), column '${plan.name}': not valid JSON (${(err as Error).message}); ${describeType(plan.type)} fields hold the portable JSON encoding of the value`,
          { row: i + 1, column: plan.name, key },
        );
      }
  }
}
