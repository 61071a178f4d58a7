import { Binary, Bool, DataType, Field, Float64, Int64, Schema, Utf8 } from 'apache-arrow';
import type { EntityClass, TypeRef } from '@stateflow/ir';

/** Name of the column holding each instance's key (`str(__key__())`). */
export const KEY_COLUMN = '__key__';

/** Field metadata: the IR type of the field, as JSON. */
export const META_TYPE = 'stateflow.type';
/** Field metadata: `json` when the column holds the portable JSON encoding of the value. */
export const META_ENCODING = 'stateflow.encoding';
/** Field metadata: the entity class an `EntityRef` key column points to. */
export const META_ENTITY = 'stateflow.entity';
/** Schema metadata: the entity class of the table. */
export const META_TABLE_ENTITY = 'stateflow.entity';
/** Schema metadata: the version of this table layout. */
export const META_FORMAT = 'stateflow.format';
/** Current value of {@link META_FORMAT}. */
export const TABLE_FORMAT = '1';

/** How one field is stored in a column. */
export type ColumnKind = 'int' | 'float' | 'str' | 'bool' | 'bytes' | 'ref' | 'json';

/** The column layout of one entity field. */
export interface ColumnPlan {
  /** Field name, which is also the column name. */
  name: string;
  type: TypeRef;
  kind: ColumnKind;
  /** `Optional[...]`: a null cell is `None`. For other fields a null cell means "attribute not set". */
  optional: boolean;
  /** For `ref` columns: the referenced entity class. */
  entity?: string;
}

/** The column layout of a field type: `Optional[T]` is `T`, nullable. */
export function planColumn(name: string, type: TypeRef): ColumnPlan {
  const optional = type.kind === 'Optional';
  const inner = type.kind === 'Optional' ? type.item : type;
  switch (inner.kind) {
    case 'Int':
      return { name, type, kind: 'int', optional };
    case 'Float':
      return { name, type, kind: 'float', optional };
    case 'Str':
      return { name, type, kind: 'str', optional };
    case 'Bool':
      return { name, type, kind: 'bool', optional };
    case 'Bytes':
      return { name, type, kind: 'bytes', optional };
    case 'EntityRef':
      return { name, type, kind: 'ref', optional, entity: inner.entity };
    default:
      // List, Dict, Tuple, Set, Any, Union, NoneType, nested Optional: portable JSON text.
      return { name, type, kind: 'json', optional };
  }
}

/** The column plans of an entity class, in field order. */
export function planColumns(entity: EntityClass): ColumnPlan[] {
  return entity.fields.map((f) => planColumn(f.name, f.type));
}

/** The Arrow type a column kind is written as. */
export function arrowTypeOf(kind: ColumnKind): DataType {
  switch (kind) {
    case 'int':
      return new Int64();
    case 'float':
      return new Float64();
    case 'bool':
      return new Bool();
    case 'bytes':
      return new Binary();
    default:
      return new Utf8();
  }
}

/**
 * The Arrow schema of an entity class's state table: a non-null `__key__` Utf8 column,
 * then one nullable column per field (see the README for the type mapping). Field
 * metadata records the IR type (`stateflow.type`), JSON columns (`stateflow.encoding=json`)
 * and the target of reference columns (`stateflow.entity`).
 */
export function entityArrowSchema(entity: EntityClass): Schema {
  const fields: Field[] = [new Field(KEY_COLUMN, new Utf8(), false)];
  for (const plan of planColumns(entity)) {
    const metadata = new Map<string, string>([[META_TYPE, JSON.stringify(plan.type)]]);
    if (plan.kind === 'json') metadata.set(META_ENCODING, 'json');
    if (plan.kind === 'ref') metadata.set(META_ENTITY, plan.entity!);
    fields.push(new Field(plan.name, arrowTypeOf(plan.kind), true, metadata));
  }
  const metadata = new Map<string, string>([
    [META_TABLE_ENTITY, entity.name],
    [META_FORMAT, TABLE_FORMAT],
  ]);
  return new Schema(fields, metadata);
}
