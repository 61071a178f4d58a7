import type { ConstructEvent, EntityAddress, Event } from '@stateflow/ir';
import { ChurnMap } from './churn-map.js';
import { addressId } from './state-store.js';

/** An event that is delivered to one instance (every kind except `Construct` and `Response`). */
export type TargetedEvent = Extract<Event, { target: EntityAddress }>;

/** Whether an event is addressed to an entity instance. */
export function isTargeted(event: Event): event is TargetedEvent {
  return 'target' in event;
}

/** What {@link Mailboxes.take} hands out: the events, and the instances it marked busy (by {@link addressId}). */
export interface TakenEvents {
  events: Array<TargetedEvent | ConstructEvent>;
  instances: string[];
}

/**
 * Per-instance FIFO mailboxes plus a queue of keyless `Construct` events, split into
 * partitions (one per Python worker when the host routes locally, else one).
 *
 * Invariants: an instance is in at most one batch at a time (it is "busy" from
 * {@link Mailboxes.take} until {@link Mailboxes.releaseInstances}); its events are handed
 * out in arrival order. Different instances are independent.
 */
export class Mailboxes {
  private readonly queues: Array<ChurnMap<string, TargetedEvent[]>>;
  private readonly keyless: ConstructEvent[][];
  private readonly busy = new ChurnMap<string, true>();

  /**
   * @param partitionOf the partition of an event (its worker), in `[0, partitions)`
   * @param partitions number of partitions
   */
  constructor(
    private readonly partitionOf: ((event: TargetedEvent | ConstructEvent) => number) | undefined = undefined,
    readonly partitions = 1,
  ) {
    this.queues = Array.from({ length: partitions }, () => new ChurnMap<string, TargetedEvent[]>());
    this.keyless = Array.from({ length: partitions }, () => []);
  }

  /** Appends an event to its instance's mailbox (or to the keyless queue). */
  enqueue(event: TargetedEvent | ConstructEvent): void {
    const p = this.partitionOf && this.partitions > 1 ? this.partitionOf(event) : 0;
    if (!isTargeted(event)) {
      this.keyless[p]!.push(event);
      return;
    }
    const queues = this.queues[p]!;
    const id = addressId(event.target);
    const queue = queues.get(id);
    if (queue) queue.push(event);
    else queues.set(id, [event]);
  }

  /**
   * Takes up to `perInstance` head events of every idle instance with mail (an
   * instance's events next to each other, in arrival order), and keyless events, up to
   * `limit` events in all, marking those instances busy. Only from `partition`. Also
   * returns the ids of the instances it marked busy, so that
   * {@link Mailboxes.releaseInstances} frees them without rebuilding their ids.
   */
  take(limit: number, perInstance = 1, partition = 0): TakenEvents {
    const events: Array<TargetedEvent | ConstructEvent> = [];
    const instances: string[] = [];
    const queues = this.queues[partition]!;
    // Map iteration follows insertion order, so instances that got mail first go first.
    // (Keys, not entries: no [id, queue] pair allocated per instance visited.)
    for (const id of queues.keys()) {
      const room = limit - events.length;
      if (room <= 0) break;
      if (this.busy.has(id)) continue;
      const queue = queues.get(id)!;
      const n = Math.min(perInstance, room);
      if (queue.length <= n) {
        for (let i = 0; i < queue.length; i++) events.push(queue[i]!);
        queues.delete(id);
      } else if (n === 1) {
        events.push(queue.shift()!);
      } else {
        for (const event of queue.splice(0, n)) events.push(event);
      }
      this.busy.set(id, true);
      instances.push(id);
    }
    const keyless = this.keyless[partition]!;
    while (events.length < limit && keyless.length > 0) events.push(keyless.shift()!);
    return { events, instances };
  }

  /**
   * How many events {@link Mailboxes.take} would hand out from `partition` right
   * now, counting at most `cap` (it stops early, so it is cheap on long queues).
   */
  readyCount(cap: number, perInstance = 1, partition = 0): number {
    let n = this.keyless[partition]!.length;
    if (n >= cap) return cap;
    for (const [id, queue] of this.queues[partition]!) {
      if (this.busy.has(id)) continue;
      n += Math.min(perInstance, queue.length);
      if (n >= cap) return cap;
    }
    return n;
  }

  /** The instances of `partition` with events still queued (not handed out). */
  queuedAddresses(partition = 0): EntityAddress[] {
    const out: EntityAddress[] = [];
    for (const queue of this.queues[partition]!.values()) out.push(queue[0]!.target);
    return out;
  }

  /** Whether `partition` has queued events. */
  hasMail(partition = 0): boolean {
    return this.queues[partition]!.size > 0 || this.keyless[partition]!.length > 0;
  }

  /** Marks the instances {@link Mailboxes.take} returned as idle again. */
  releaseInstances(instances: readonly string[]): void {
    for (const id of instances) this.busy.delete(id);
  }

  /** Whether an instance is processing an event right now. */
  isBusy(address: EntityAddress): boolean {
    return this.busy.has(addressId(address));
  }

  /** Number of queued events (not counting events in flight). */
  get pending(): number {
    let n = 0;
    for (let p = 0; p < this.partitions; p++) {
      n += this.keyless[p]!.length;
      for (const queue of this.queues[p]!.values()) n += queue.length;
    }
    return n;
  }

  /** Removes every queued event and returns them (used when the runtime stops). */
  drainAll(): Array<TargetedEvent | ConstructEvent> {
    const all: Array<TargetedEvent | ConstructEvent> = [];
    for (let p = 0; p < this.partitions; p++) {
      all.push(...this.keyless[p]!);
      for (const queue of this.queues[p]!.values()) all.push(...queue);
      this.keyless[p]!.length = 0;
      this.queues[p]!.clear();
    }
    return all;
  }
}
