/**
 * Structured types of entity fields, parameters and return values, read from the
 * Python annotations. `Any` stands for a missing or unrecognised annotation.
 */
export type TypeRef =
  | { kind: 'Int' }
  | { kind: 'Float' }
  | { kind: 'Str' }
  | { kind: 'Bool' }
  | { kind: 'Bytes' }
  | { kind: 'NoneType' }
  | { kind: 'Any' }
  /** `List[Item]` */
  | { kind: 'List'; item: TypeRef }
  /** `Set[str]` */
  | { kind: 'Set'; item: TypeRef }
  /** `Dict[str, int]` */
  | { kind: 'Dict'; key: TypeRef; value: TypeRef }
  /** `Tuple[int, str]`; `Tuple[int, ...]` has `variadic: true` and one item. */
  | { kind: 'Tuple'; items: TypeRef[]; variadic?: boolean }
  /** `Optional[Item]` */
  | { kind: 'Optional'; item: TypeRef }
  /** `Union[int, str]` */
  | { kind: 'Union'; options: TypeRef[] }
  /** A reference to an instance of an entity class: `item: Item` or `"Item"`. */
  | { kind: 'EntityRef'; entity: string };

/** The `kind` of a {@link TypeRef}. */
export type TypeKind = TypeRef['kind'];

/** A Python-like spelling of a type, for messages: `List[Item]`, `Optional[int]`. */
export function describeType(type: TypeRef): string {
  switch (type.kind) {
    case 'Int':
      return 'int';
    case 'Float':
      return 'float';
    case 'Str':
      return 'str';
    case 'Bool':
      return 'bool';
    case 'Bytes':
      return 'bytes';
    case 'NoneType':
      return 'None';
    case 'Any':
      return 'Any';
    case 'List':
      return `List[${describeType(type.item)}]`;
    case 'Set':
      return `Set[${describeType(type.item)}]`;
    case 'Dict':
      return `Dict[${describeType(type.key)}, ${describeType(type.value)}]`;
    case 'Tuple':
      return `Tuple[${type.items.map(describeType).join(', ')}${type.variadic ? ', ...' : ''}]`;
    case 'Optional':
      return `Optional[${describeType(type.item)}]`;
    case 'Union':
      return `Union[${type.options.map(describeType).join(', ')}]`;
    case 'EntityRef':
      return type.entity;
  }
}
