/**
 * Brand carried by every entity reference. `Symbol.for` makes two copies of this
 * package (e.g. a generated client bundled with another version) agree on it.
 */
export const ENTITY_REF_BRAND: unique symbol = Symbol.for('stateflow.EntityRef') as never;

/**
 * A reference to one entity instance: its class name and its key (the string form of
 * `__key__()`). Encoded on the wire as `{"$entity": "Item", "$key": "coke"}`.
 *
 * The type parameter is the entity class name, so a `EntityRef<'User'>` is not accepted
 * where a `EntityRef<'Item'>` is expected. Generated stubs extend this class, so a stub
 * (`shop.item('coke')`) can be passed wherever a reference is.
 *
 * @example
 * const coke = new EntityRef('Item', 'coke');
 * await shop.user('ann').buy_item(3, coke);
 */
export class EntityRef<E extends string = string> {
  /** Marks the object as an entity reference for the value encoder. */
  readonly [ENTITY_REF_BRAND] = true as const;

  constructor(
    /** Entity class name, e.g. `Item`. */
    readonly entity: E,
    /** The instance's key: the string form of `__key__()`. */
    readonly key: string,
  ) {}

  /** Whether `other` refers to the same instance. */
  equals(other: EntityRef): boolean {
    return other.entity === this.entity && other.key === this.key;
  }

  /** The portable encoding, `{"$entity", "$key"}`, so `JSON.stringify` gives the wire form. */
  toJSON(): { $entity: E; $key: string } {
    return { $entity: this.entity, $key: this.key };
  }

  /** `Item/coke`. */
  toString(): string {
    return `${this.entity}/${this.key}`;
  }
}

/** Whether a value is an entity reference (an {@link EntityRef} or a generated stub). */
export function isEntityRefObject(value: unknown): value is EntityRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [ENTITY_REF_BRAND]?: unknown })[ENTITY_REF_BRAND] === true &&
    typeof (value as EntityRef).entity === 'string' &&
    typeof (value as EntityRef).key === 'string'
  );
}
