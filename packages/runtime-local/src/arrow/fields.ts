import type { EncodedValue, EntityState } from '@stateflow/ir';

/**
 * An instance's field by name, own properties only: a field named like an `Object.prototype`
 * member (`__proto__`, `constructor`) that the instance does not have is unset, not that member.
 */
export function fieldOf(state: EntityState, name: string): EncodedValue | undefined {
  return Object.hasOwn(state, name) ? state[name] : undefined;
}

/** Sets an instance's field, also one named `__proto__` (plain assignment would set the prototype). */
export function setField(state: EntityState, name: string, value: EncodedValue): void {
  if (name === '__proto__') Object.defineProperty(state, name, { value, enumerable: true, writable: true, configurable: true });
  else state[name] = value;
}
