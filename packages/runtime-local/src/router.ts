import type { Event, Result } from '@stateflow/ir';
import { Mailboxes } from './mailboxes.js';

/** Receives the final result of a request (a `Response` event). */
export type ResponseSink = (requestId: string, result: Result) => void;

/**
 * Sends each event where it goes: `Response` events to the waiting client, every
 * other kind to the mailbox of its target instance (`Construct` to the keyless queue).
 */
export class Router {
  constructor(
    readonly mailboxes: Mailboxes,
    private readonly respond: ResponseSink,
  ) {}

  /** Routes one event. */
  route(event: Event): void {
    if (event.kind === 'Response') this.respond(event.requestId, event.result);
    else this.mailboxes.enqueue(event);
  }

  /** Routes events in order. */
  routeAll(events: readonly Event[]): void {
    for (const event of events) this.route(event);
  }
}
