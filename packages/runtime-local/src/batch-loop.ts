import { systemError, type ConstructEvent, type Event, type ResponseEvent, type Result } from '@stateflow/ir';
import { failedResult, isHostDown, runOneByOne, type HostRequest, type HostResult, type LocalResult, type PythonHost } from '@stateflow/python-host';
import { isTargeted, type Mailboxes, type TakenEvents, type TargetedEvent } from './mailboxes.js';
import type { RuntimeMetrics } from './metrics.js';
import { isRecordedRequest, isRefusal } from './request-ids.js';
import { addressId, type EventId, type OutcomeRecord, type StateStore, type StateWrite } from './state-store.js';

/** Tuning of the batch loop, the runtime's processing loop (internal `BatchLoop`). */
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
   * Most events of one instance in one batch. They run one after the other, in arrival
   * order, each on the state the previous one left (`chained` host requests), so a hot
   * instance is not limited to one event per batch.
   * @default 32
   */
  maxEventsPerInstance?: number;
  /**
   * Longest call chain (events per request) before the request fails; guards against
   * unbounded recursion between entities.
   * @default 100000
   */
  maxHops?: number;
  /**
   * Local routing, on hosts that support it (`host.processOn`, the subprocess host):
   * each batch goes to one worker (the mailboxes are split by worker, one batch in
   * flight per worker), and the worker runs the events the batch emits for instances
   * of its own partition in the same round trip, except for instances with events still
   * queued here (they must not be overtaken). Everything produced and consumed inside the
   * round trip commits with the batch; only the batch's inputs are in the durable queue.
   * @default true
   */
  localRouting?: boolean;
  /**
   * Most events a worker runs locally in one round trip (local routing); the rest come
   * back as ordinary events.
   * @default 4096
   */
  maxLocalEvents?: number;
  /**
   * Adaptive batching (local routing): when a worker has just finished a batch and
   * fewer than `minBatchSize` events are ready for it, wait up to this long (ms) for
   * more before sending, so that a steady trickle of events goes out in fewer, larger
   * round trips instead of a round trip per event or two. Events that arrive meanwhile
   * join the batch; the wait ends as soon as `minBatchSize` are ready. 0 turns it off.
   * Off by default: side by side on a quiet 2-core machine it made p99 at half of peak
   * slightly worse (performance guide).
   * @default 0
   */
  batchWaitMs?: number;
  /**
   * A batch smaller than this counts as tiny for `batchWaitMs`.
   * @default 8
   */
  minBatchSize?: number;
}

/** Receives the final result of a request once it is safe to tell the client (committed). */
export type ResultSink = (requestId: string, result: Result) => void;

/**
 * Called once when the store cannot commit (e.g. a full disk): the loop stops taking
 * batches until {@link BatchLoop.resume} (the disk is the truth: the runtime reloads the
 * durable queue before resuming). Also called once when the host cannot run events any
 * more (closed, no worker can start): the loop stops taking batches.
 */
export type FatalSink = (error: Error, source: 'store' | 'host') => void;

type Taken = TargetedEvent | ConstructEvent;

const RESOLVED = Promise.resolve();

/** The final result of one request (a `Response` event is one as it is). */
interface Finished {
  requestId: string;
  result: Result;
}

/** Hooks of a {@link BatchLoop} besides its host, store and mailboxes. */
export interface BatchLoopHooks {
  respond: ResultSink;
  /** The fingerprint to record with the outcome of a request with a client request id. */
  fingerprintOf?: (requestId: string) => string | undefined;
  fatal: FatalSink;
  metrics?: RuntimeMetrics;
}

/**
 * The scheduler: takes the head events of every ready instance (up to
 * `maxEventsPerInstance`, in arrival order, run one after the other) into one batch, sends it to the Python host, commits the batch's effects
 * (states, consumed and produced events, outcomes) in one store commit, routes the
 * produced events, and answers clients once the commit is durable.
 *
 * Commits are not awaited before the next batch runs: commits become durable in call
 * order, so a later batch can never be durable without the earlier ones it built on,
 * and nothing leaves the process (a client answer) before its commit is durable.
 */
export class BatchLoop {
  private readonly maxBatchSize: number;
  private readonly maxConcurrentBatches: number;
  private readonly maxHops: number;
  private readonly maxEventsPerInstance: number;
  private readonly maxLocalEvents: number;
  /** Per worker: whether a routed batch is in flight (local routing only). */
  private readonly workerBusy: boolean[] | undefined;
  /** Per worker: the store's `generation` its held states were built on. */
  private readonly workerGeneration: number[] = [];
  /** Per worker: when its adaptive wait ends (`performance.now()`), 0 if not waiting. */
  private readonly waitUntil: number[] = [];
  /** Per worker: it finished a batch since it last sent one. */
  private readonly justFinished: boolean[] = [];
  private readonly batchWaitMs: number;
  private readonly minBatchSize: number;
  private waitScheduled = false;
  private inFlight = 0;
  private commitsInFlight = 0;
  private scheduled = false;
  private stopped = false;
  private failed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly host: PythonHost,
    private readonly store: StateStore,
    private readonly mailboxes: Mailboxes,
    private readonly hooks: BatchLoopHooks,
    options: BatchLoopOptions = {},
  ) {
    this.maxBatchSize = options.maxBatchSize ?? 256;
    this.maxConcurrentBatches = options.maxConcurrentBatches ?? 1;
    this.maxHops = options.maxHops ?? 100_000;
    this.maxEventsPerInstance = Math.max(1, options.maxEventsPerInstance ?? 32);
    this.maxLocalEvents = Math.max(0, options.maxLocalEvents ?? 4096);
    this.batchWaitMs = Math.max(0, options.batchWaitMs ?? 0);
    this.minBatchSize = Math.max(1, Math.min(this.maxBatchSize, options.minBatchSize ?? 8));
    const routed = options.localRouting !== false && !!host.processOn && mailboxes.partitions === (host.parallelism ?? 1);
    if (routed) this.workerBusy = new Array<boolean>(mailboxes.partitions).fill(false);
  }

  /** Schedules a pass over the mailboxes (coalesced: many kicks in one tick make one pass). */
  kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    // A microtask lets all events submitted in the same tick join one batch. A reaction
    // of a resolved promise is one in the same queue, without the async resource
    // Node's queueMicrotask makes per call.
    void RESOLVED.then(this.scheduledPump);
  }

  private readonly scheduledPump = (): void => {
    this.scheduled = false;
    this.pump();
  };

  /** Stops taking new batches and resolves once the batches and commits in flight are done. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  /** Takes batches again after a failed commit, once the runtime has reloaded what is on disk. */
  resume(): void {
    this.failed = false;
    this.stopped = false;
    this.kick();
  }

  /** Resolves when no batch and no commit is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.commitsInFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Batches being processed by the host right now. */
  get batchesInFlight(): number {
    return this.inFlight;
  }

  private pump(): void {
    const workerBusy = this.workerBusy;
    if (workerBusy) {
      let now = 0;
      for (let w = 0; w < workerBusy.length && !this.stopped; w++) {
        if (workerBusy[w]) continue;
        if (this.batchWaitMs > 0) {
          if (this.justFinished[w] && !this.waitUntil[w]) {
            // Just finished: a tiny batch waits a moment for company.
            this.justFinished[w] = false;
            if (this.mailboxes.readyCount(this.minBatchSize, this.maxEventsPerInstance, w) < this.minBatchSize) {
              this.waitUntil[w] = (now ||= performance.now()) + this.batchWaitMs;
            }
          }
          if (this.waitUntil[w]) {
            const ready = this.mailboxes.readyCount(this.minBatchSize, this.maxEventsPerInstance, w);
            if (ready < this.minBatchSize && (now ||= performance.now()) < this.waitUntil[w]!) {
              this.scheduleWait();
              continue;
            }
            this.waitUntil[w] = 0;
          }
        }
        const taken = this.mailboxes.take(this.maxBatchSize, this.maxEventsPerInstance, w);
        if (taken.events.length === 0) continue;
        workerBusy[w] = true;
        this.inFlight++;
        void this.run(taken, w);
      }
      return;
    }
    while (!this.stopped && this.inFlight < this.maxConcurrentBatches) {
      const taken = this.mailboxes.take(this.maxBatchSize, this.maxEventsPerInstance);
      if (taken.events.length === 0) return;
      this.inFlight++;
      void this.run(taken);
    }
  }

  private async run({ events: batch, instances }: TakenEvents, worker?: number): Promise<void> {
    const metrics = this.hooks.metrics;
    try {
      const requests: HostRequest[] = new Array<HostRequest>(batch.length);
      let previous: Taken | undefined;
      for (let i = 0; i < batch.length; i++) {
        const event = batch[i]!;
        if (!isTargeted(event)) requests[i] = { event, state: null };
        else if (previous && sameTarget(previous, event)) requests[i] = { event, state: null, chained: true };
        else requests[i] = { event, state: this.store.get(event.target) ?? null };
        previous = event;
      }
      const started = metrics ? performance.now() : 0;
      let results: HostResult[] | undefined;
      let local: LocalResult | undefined;
      let failure: Error | undefined;
      try {
        ({ results, local } = await this.runOnHost(requests, worker));
      } catch (err) {
        if (isHostDown(err)) {
          failure = err as Error;
        } else {
          // The batch failed as a whole: one event at a time, so only the event at fault
          // fails (its error goes to its waiting frame, as if its hop had raised) and the
          // other events (other clients' calls, other call chains) run as usual.
          local = undefined;
          try {
            results = await runOneByOne(requests, (request) => this.runAlone(request, worker));
          } catch (alone) {
            failure = alone instanceof Error ? alone : new Error(String(alone));
          }
        }
      }
      if (metrics) {
        metrics.hostSeconds.observe((performance.now() - started) / 1000);
        metrics.batchSize.observe(batch.length);
        for (const event of batch) metrics.eventsOf(event.kind).inc();
        if (local && local.count > 0) metrics.eventsOf('local').inc(local.count);
      }
      if (failure) this.hostDown(batch, failure);
      else if (!this.failed) this.apply(batch, results!, local);
    } finally {
      this.mailboxes.releaseInstances(instances);
      if (worker !== undefined) {
        this.workerBusy![worker] = false;
        this.justFinished[worker] = true;
      }
      this.inFlight--;
      this.wakeIdle();
      // A worker that just finished gets its next batch now, from the events already
      // queued, before the answered callers run: it computes while they do (their
      // new calls go in the batch after). Other passes stay coalesced by kick().
      if (worker !== undefined) this.pump();
      else this.kick();
    }
  }

  /**
   * Re-runs the pass on the next turn of the event loop, after pending I/O (the other
   * workers' replies, incoming requests) has been handled, and ends every wait then: a
   * wait shorter than a timer tick (timers have 1 ms granularity), without spinning.
   */
  private scheduleWait(): void {
    if (this.waitScheduled) return;
    this.waitScheduled = true;
    setImmediate(() => {
      this.waitScheduled = false;
      // One turn at most: whatever arrived meanwhile goes now (no busy waiting).
      this.waitUntil.fill(0);
      this.pump();
    });
  }

  /** Runs a batch on the host (routed on `worker` when given); throws when it fails as a whole. */
  private async runOnHost(requests: HostRequest[], worker: number | undefined): Promise<{ results: HostResult[]; local?: LocalResult }> {
    const { results, local } = worker === undefined ? { results: await this.host.process(requests), local: undefined } : await this.processOn(worker, requests);
    if (!Array.isArray(results) || results.length !== requests.length) {
      throw new Error(`the ${this.host.kind} host returned ${Array.isArray(results) ? results.length : 'no'} results for ${requests.length} events`);
    }
    return local ? { results, local } : { results };
  }

  /**
   * Runs one event of a failed batch on its own (without local routing). If it fails
   * again, it is the event at fault: it fails with an `Internal` error sent to its
   * waiting frame. Throws only when the host is down.
   */
  private async runAlone(request: HostRequest, worker: number | undefined): Promise<HostResult> {
    try {
      const routed = worker === undefined ? undefined : { exclude: [], maxSeq: this.maxHops, maxLocal: 0 };
      const results = routed ? (await this.host.processOn!(worker!, [request], routed)).results : await this.host.process([request]);
      if (!Array.isArray(results) || results.length !== 1) throw new Error(`the ${this.host.kind} host returned no result for an event`);
      return results[0]!;
    } catch (err) {
      if (isHostDown(err)) throw err;
      const message = err instanceof Error ? err.message : String(err);
      return failedResult(request.event, systemError('Internal', `the Python host failed to run this event: ${message}`));
    }
  }

  /**
   * The host cannot run anything (closed, no worker can start): nothing of the batch is
   * committed, so its events stay in the durable queue (they resume at the next start),
   * its waiting clients get an `Internal` error, and the runtime stops processing.
   */
  private hostDown(batch: readonly Taken[], error: Error): void {
    const message = `the ${this.host.kind} Python host cannot run events: ${error.message}`;
    // Nothing of these requests was committed: retrying once the server is back is safe.
    const answer = { error: systemError('Unavailable', `${message}; the runtime stopped processing, retry later`) };
    for (const event of batch) this.hooks.respond(event.requestId, answer);
    if (this.failed) return;
    this.failed = true;
    this.stopped = true;
    this.hooks.fatal(new Error(message, { cause: error }), 'host');
  }

  /** A routed batch on `worker`: the instances with mail still queued for it must not be overtaken. */
  private processOn(worker: number, requests: HostRequest[]) {
    const generation = this.store.generation ?? 0;
    const fresh = (this.workerGeneration[worker] ?? 0) !== generation;
    this.workerGeneration[worker] = generation;
    return this.host.processOn!(worker, requests, {
      exclude: this.mailboxes.queuedAddresses(worker),
      maxSeq: this.maxHops,
      maxLocal: this.maxLocalEvents,
      ...(fresh ? { fresh } : {}),
    });
  }

  private apply(batch: Taken[], results: HostResult[], local?: LocalResult): void {
    const writes: StateWrite[] = [];
    const consumed: EventId[] = [];
    const produced: Event[] = [];
    const outcomes: OutcomeRecord[] = [];
    const responses: Finished[] = [];
    let now = 0;
    // `refused`: the client's own event (seq 0) was refused before it ran (isRefusal).
    const finish = (response: Finished, refused = false): void => {
      // A Response with `origin` was produced away from the request's first instance
      // (resumeDetached); outcomes are kept by request id, so it is handled the same.
      if ((response as ResponseEvent).origin) this.hooks.metrics?.detachedResponses.inc();
      responses.push(response);
      const { requestId, result } = response;
      if (isRecordedRequest(requestId) && !refused) {
        const fingerprint = this.hooks.fingerprintOf?.(requestId);
        outcomes.push({ requestId, result, at: now || (now = Date.now()), ...(fingerprint !== undefined ? { fingerprint } : {}) });
      }
    };
    for (let i = 0; i < batch.length; i++) {
      const event = batch[i]!;
      // Client-submitted events (seq 0) were never in the durable queue.
      if (event.seq > 0) consumed.push({ requestId: event.requestId, seq: event.seq });
      const result = results[i]!;
      if (result.state && isTargeted(event)) {
        // An instance's events are next to each other: only its last state is written.
        const last = writes[writes.length - 1];
        if (last && last.address.key === event.target.key && last.address.entity === event.target.entity) last.state = result.state;
        else writes.push({ address: event.target, state: result.state });
      }
      for (const out of result.out ?? []) {
        if (out.kind === 'Response') finish(out, event.seq === 0 && isRefusal(out.result));
        else if (out.seq > this.maxHops) {
          const message = `request ${out.requestId} exceeded ${this.maxHops} hops (last: ${event.kind} on ${describe(event)}); is there unbounded recursion between entities?`;
          finish({ requestId: out.requestId, result: { error: systemError('Internal', message) } });
        } else produced.push(out);
      }
    }
    if (local) {
      // Events run inside the round trip: their final states replace the requests' ones.
      if (local.states.length > 0) {
        const index = new Map<string, StateWrite>();
        for (const write of writes) index.set(addressId(write.address), write);
        for (const { address, state } of local.states) {
          const found = index.get(addressId(address));
          if (found) found.state = state;
          else writes.push({ address, state });
        }
      }
      for (const out of local.out) {
        if (out.kind === 'Response') finish(out);
        else if (out.seq > this.maxHops) {
          const where = isTargeted(out) ? `${out.target.entity}/${out.target.key}` : out.kind;
          const message = `request ${out.requestId} exceeded ${this.maxHops} hops (next: ${out.kind} on ${where}); is there unbounded recursion between entities?`;
          finish({ requestId: out.requestId, result: { error: systemError('Internal', message) } });
        } else produced.push(out);
      }
    }
    // State first, then events: a routed event must never observe the old state.
    const started = this.hooks.metrics ? performance.now() : 0;
    let committed: void | Promise<void>;
    try {
      committed = this.store.commit({ writes, consumed, produced, outcomes });
    } catch (err) {
      this.fatal(err, responses);
      return;
    }
    for (const out of produced) this.mailboxes.enqueue(out as TargetedEvent | ConstructEvent);
    if (!committed) {
      this.hooks.metrics?.commitSeconds.observe((performance.now() - started) / 1000);
      this.respond(responses);
      return;
    }
    this.commitsInFlight++;
    committed.then(
      () => {
        this.hooks.metrics?.commitSeconds.observe((performance.now() - started) / 1000);
        this.respond(responses);
      },
      (err: unknown) => this.fatal(err, responses),
    ).finally(() => {
      this.commitsInFlight--;
      this.wakeIdle();
    });
  }

  private respond(responses: readonly Finished[]): void {
    for (const { requestId, result } of responses) this.hooks.respond(requestId, result);
  }

  private fatal(err: unknown, responses: readonly Finished[]): void {
    const error = err instanceof Error ? err : new Error(String(err));
    // Nothing of these requests was committed (acknowledged): retrying later is safe.
    const unavailable = systemError('Unavailable', `the state store could not commit (${error.message}); nothing of this request was saved, retry later`);
    for (const { requestId } of responses) this.hooks.respond(requestId, { error: unavailable });
    if (this.failed) return;
    this.failed = true;
    this.stopped = true;
    this.hooks.fatal(error, 'store');
  }

  private wakeIdle(): void {
    if (this.inFlight !== 0 || this.commitsInFlight !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function sameTarget(a: Taken, b: TargetedEvent): boolean {
  return isTargeted(a) && a.target.key === b.target.key && a.target.entity === b.target.entity;
}

function describe(event: Taken): string {
  return isTargeted(event) ? `${event.target.entity}/${event.target.key}` : event.entity;
}
