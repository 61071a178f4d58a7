import type { ConstructEvent, ErrorValue, Event } from '@stateflow/ir';
import type { HostRequest, HostResult, PythonHost } from '@stateflow/python-host';
import { isTargeted, type Mailboxes, type TargetedEvent } from './mailboxes.js';
import type { Router } from './router.js';
import type { StateStore, StateWrite } from './state-store.js';
import { systemError } from './system-errors.js';

/** Tuning of the {@link BatchLoop}. */
export interface BatchLoopOptions {
  /**
   * Most events in one `host.process` call.
   * @default 256
   */
  maxBatchSize?: number;
  /**
   * Most batches in flight at once. Batches never share an instance, so more than
   * one is safe; it only helps hosts that run several Python workers.
   * @default 1
   */
  maxConcurrentBatches?: number;
  /**
   * Longest call chain (events per request) before the request fails; guards against
   * unbounded recursion between entities.
   * @default 100000
   */
  maxHops?: number;
}

/** Called when a request can no longer complete (the host failed, or the chain was too long). */
export type RequestFailure = (requestId: string, error: ErrorValue) => void;

type Taken = TargetedEvent | ConstructEvent;

/**
 * The scheduler: takes the head event of every ready instance (at most one per
 * instance) into one batch, sends it to the Python host, commits the returned states
 * and routes the returned events, then repeats while there is work.
 */
export class BatchLoop {
  private readonly maxBatchSize: number;
  private readonly maxConcurrentBatches: number;
  private readonly maxHops: number;
  private inFlight = 0;
  private scheduled = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly host: PythonHost,
    private readonly store: StateStore,
    private readonly mailboxes: Mailboxes,
    private readonly router: Router,
    private readonly fail: RequestFailure,
    options: BatchLoopOptions = {},
  ) {
    this.maxBatchSize = options.maxBatchSize ?? 256;
    this.maxConcurrentBatches = options.maxConcurrentBatches ?? 1;
    this.maxHops = options.maxHops ?? 100_000;
  }

  /** Schedules a pass over the mailboxes (coalesced: many kicks in one tick make one pass). */
  kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    // A microtask lets all events submitted in the same tick join one batch.
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Stops taking new batches and resolves once the batches in flight are done. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  /** Resolves when no batch is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.stopped && this.inFlight < this.maxConcurrentBatches) {
      const batch = this.mailboxes.takeReady(this.maxBatchSize);
      if (batch.length === 0) return;
      this.inFlight++;
      void this.run(batch);
    }
  }

  private async run(batch: Taken[]): Promise<void> {
    try {
      const requests: HostRequest[] = batch.map((event) => ({
        event,
        state: isTargeted(event) ? (this.store.get(event.target) ?? null) : null,
      }));
      let results: HostResult[];
      try {
        results = await this.host.process(requests);
        if (!Array.isArray(results) || results.length !== batch.length) {
          throw new Error(
            `the ${this.host.kind} host returned ${Array.isArray(results) ? results.length : 'no'} results for ${batch.length} events`,
          );
        }
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        for (const event of batch) {
          this.fail(event.requestId, systemError('Internal', `the Python host failed: ${message}`));
        }
        return;
      }
      this.apply(batch, results);
    } finally {
      for (const event of batch) this.mailboxes.release(event);
      this.inFlight--;
      if (this.inFlight === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
      this.kick();
    }
  }

  private apply(batch: Taken[], results: HostResult[]): void {
    const writes: StateWrite[] = [];
    for (const [i, event] of batch.entries()) {
      const state = results[i]?.state;
      if (state && isTargeted(event)) writes.push({ address: event.target, state });
    }
    // State first, then events: a routed event must never observe the old state.
    this.store.commit(writes);
    for (const [i, result] of results.entries()) {
      for (const out of result.out ?? []) this.routeChecked(out, batch[i]!);
    }
  }

  private routeChecked(out: Event, cause: Taken): void {
    if (out.seq > this.maxHops) {
      this.fail(
        out.requestId,
        systemError(
          'Internal',
          `request ${out.requestId} exceeded ${this.maxHops} hops (last: ${cause.kind} on ${describe(cause)}); is there unbounded recursion between entities?`,
        ),
      );
      return;
    }
    this.router.route(out);
  }
}

function describe(event: Taken): string {
  return isTargeted(event) ? `${event.target.entity}/${event.target.key}` : event.entity;
}
