import type { ConstructEvent, EntityAddress, Event } from '@stateflow/ir';
import { addressId } from './state-store.js';

/** An event that is delivered to one instance (every kind except `Construct` and `Response`). */
export type TargetedEvent = Extract<Event, { target: EntityAddress }>;

/** Whether an event is addressed to an entity instance. */
export function isTargeted(event: Event): event is TargetedEvent {
  return 'target' in event;
}

/**
 * Per-instance FIFO mailboxes plus a queue of keyless `Construct` events.
 *
 * Invariants: an instance is in at most one batch at a time (it is "busy" from
 * {@link Mailboxes.takeReady} until {@link Mailboxes.release}); its events are handed
 * out in arrival order. Different instances are independent.
 */
export class Mailboxes {
  private readonly queues = new Map<string, TargetedEvent[]>();
  private readonly busy = new Set<string>();
  private readonly keyless: ConstructEvent[] = [];

  /** Appends an event to its instance's mailbox (or to the keyless queue). */
  enqueue(event: TargetedEvent | ConstructEvent): void {
    if (!isTargeted(event)) {
      this.keyless.push(event);
      return;
    }
    const id = addressId(event.target);
    const queue = this.queues.get(id);
    if (queue) queue.push(event);
    else this.queues.set(id, [event]);
  }

  /**
   * Takes up to `perInstance` head events of every idle instance with mail (an
   * instance's events next to each other, in arrival order), and keyless events, up to
   * `limit` events in all, marking those instances busy.
   */
  takeReady(limit: number, perInstance = 1): Array<TargetedEvent | ConstructEvent> {
    const out: Array<TargetedEvent | ConstructEvent> = [];
    // Map iteration follows insertion order, so instances that got mail first go first.
    for (const [id, queue] of this.queues) {
      const room = limit - out.length;
      if (room <= 0) break;
      if (this.busy.has(id)) continue;
      const n = Math.min(perInstance, room);
      if (queue.length <= n) {
        for (let i = 0; i < queue.length; i++) out.push(queue[i]!);
        this.queues.delete(id);
      } else if (n === 1) {
        out.push(queue.shift()!);
      } else {
        for (const event of queue.splice(0, n)) out.push(event);
      }
      this.busy.add(id);
    }
    while (out.length < limit && this.keyless.length > 0) out.push(this.keyless.shift()!);
    return out;
  }

  /** Marks the instance an event was taken for as idle again. */
  release(event: TargetedEvent | ConstructEvent): void {
    if (isTargeted(event)) this.busy.delete(addressId(event.target));
  }

  /** Whether an instance is processing an event right now. */
  isBusy(address: EntityAddress): boolean {
    return this.busy.has(addressId(address));
  }

  /** Number of queued events (not counting events in flight). */
  get pending(): number {
    let n = this.keyless.length;
    for (const queue of this.queues.values()) n += queue.length;
    return n;
  }

  /** Removes every queued event and returns them (used when the runtime stops). */
  drainAll(): Array<TargetedEvent | ConstructEvent> {
    const all: Array<TargetedEvent | ConstructEvent> = [...this.keyless];
    for (const queue of this.queues.values()) all.push(...queue);
    this.keyless.length = 0;
    this.queues.clear();
    return all;
  }
}
