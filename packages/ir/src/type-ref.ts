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

export type TypeKind = TypeRef['kind'];
