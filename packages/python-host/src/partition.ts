import type { Event } from '@stateflow/ir';

/** FNV-1a, 32 bit: stable across processes and versions (unlike a seeded hash). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The worker (of `workers`) that processes an event. Events addressed to an entity
 * instance (`Invoke`, `Read`, `Insert`, `Reply`) go by a hash of entity and key, so an
 * instance always lands on the same worker; `Construct` (no key yet) goes by request id.
 */
export function workerIndex(event: Event, workers: number): number {
  if (workers <= 1) return 0;
  const text = 'target' in event ? `${event.target.entity}\u0000${event.target.key}` : `\u0001${event.requestId}`;
  return fnv1a(text) % workers;
}
