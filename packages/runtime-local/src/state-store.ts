import type { EntityAddress, EntityState } from '@stateflow/ir';

/** One state change produced by a batch: the new state of one instance. */
export interface StateWrite {
  address: EntityAddress;
  state: EntityState;
}

/**
 * Where the runtime keeps entity state. The in-memory store is the only one today;
 * a durable store implements the same interface and makes {@link StateStore.commit}
 * atomic (state changes, outgoing events and dedupe records together).
 */
export interface StateStore {
  /** The state of one instance, or `undefined` when it does not exist. */
  get(address: EntityAddress): EntityState | undefined;
  /** Applies the state changes of one batch, all or nothing. */
  commit(writes: readonly StateWrite[]): void;
  /** Keys of the stored instances of one entity class, in insertion order. */
  keys(entity: string): string[];
}

/** Stable string id of an instance address, used as a map key. */
export function addressId(address: EntityAddress): string {
  return `${address.entity}\u0000${address.key}`;
}

/** A {@link StateStore} held in process memory; lost when the process ends. */
export class InMemoryStateStore implements StateStore {
  private readonly entities = new Map<string, Map<string, EntityState>>();

  get(address: EntityAddress): EntityState | undefined {
    return this.entities.get(address.entity)?.get(address.key);
  }

  commit(writes: readonly StateWrite[]): void {
    for (const { address, state } of writes) {
      let table = this.entities.get(address.entity);
      if (!table) {
        table = new Map();
        this.entities.set(address.entity, table);
      }
      table.set(address.key, state);
    }
  }

  keys(entity: string): string[] {
    return [...(this.entities.get(entity)?.keys() ?? [])];
  }
}
