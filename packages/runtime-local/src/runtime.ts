import {
  assertIr,
  checkKey,
  encodeCallArguments,
  SUPPORTED_IR_RANGE,
  systemError,
  type ConstructEvent,
  type EncodedValue,
  type EntityClass,
  type EntityState,
  type InvokeEvent,
  type Program,
  type ReplyAddress,
  type Result,
} from '@stateflow/ir';
import type { PythonHost } from '@stateflow/python-host';
import { randomUUID } from 'node:crypto';
import { InvalidProgramError } from './invalid-program-error.js';
import { BatchLoop, type BatchLoopOptions } from './batch-loop.js';
import { callFingerprint } from './call-fingerprint.js';
import { ChurnMap } from './churn-map.js';
import { tuneGarbageCollector } from './gc-tuning.js';
import { LmdbStateStore } from './lmdb-state-store.js';
import { silentLogger, type Logger } from './logger.js';
import { isTargeted, Mailboxes } from './mailboxes.js';
import { RuntimeMetrics } from './metrics.js';
import { checkClientRequestId, clientKeyOf, clientRequestId, generatedRequestId, isRecordedRequest } from './request-ids.js';
import { InMemoryStateStore, type OutcomeRetention, type StateStore } from './state-store.js';
import { checkPublicMethod, entityClassesByName, unknownEntity } from './validate-call.js';

/** Options of {@link LocalRuntime.start}. */
export interface LocalRuntimeOptions extends BatchLoopOptions {
  /**
   * The Python host that runs the kernel. The runtime loads the program into it; the
   * caller keeps ownership (close it after {@link LocalRuntime.stop}) unless
   * `closeHostOnStop` is set.
   */
  host: PythonHost;
  /**
   * Close the host in {@link LocalRuntime.stop}.
   * @default false
   */
  closeHostOnStop?: boolean;
  /**
   * Where entity state lives. A store given here belongs to the caller (close it after
   * {@link LocalRuntime.stop}).
   * @default an LmdbStateStore in `dataDir` when set, else a new InMemoryStateStore
   */
  store?: StateStore;
  /**
   * Directory of a durable store the runtime opens (and closes on stop). Events still
   * to process there are resumed at start.
   */
  dataDir?: string;
  /** How long outcomes of requests with a client request id are kept. @default 24 hours, at most 1,000,000 */
  retention?: OutcomeRetention;
  /** Where notable events (recovery, store failure) are logged. @default nowhere */
  logger?: Logger;
  /** Metrics to update. @default a new RuntimeMetrics */
  metrics?: RuntimeMetrics;
  /**
   * Tune V8's garbage collector for this process: turn off allocation-site pretenuring
   * (under this runtime's load pattern it makes young-generation pauses several times
   * longer) and let the old generation grow to five times its live size before a full
   * collection (replaced entity states otherwise bring one every second or so). A flag
   * the process was started with is left as given. Set `false` to leave the process's
   * V8 flags alone. See the performance guide.
   * @default true
   */
  tuneGarbageCollector?: boolean;
  /**
   * After a failed commit (a full disk), how often the runtime checks whether the store
   * takes writes again (ms). Meanwhile calls are answered `Unavailable` (HTTP 503) and
   * `/health` reports not ready; reads are still served.
   * @default 1000
   */
  storeProbeMs?: number;
  /**
   * Run a caller's detached resume block (IR `Block.detached`: code that never uses
   * `self` and ends the method or jumps on, like the `return True` after
   * `to.deposit(x)`) at the instance that produced the value it waits for, instead of
   * sending the value back to the caller's instance first: a transfer takes two hops, not
   * three. The answer then comes from the callee's hop; it is recorded and delivered by
   * request id as any other. Set `false` to run every resume block at its own instance.
   * A host without the option (`host.load`'s `resumeDetached`) runs them there anyway.
   * @default true
   */
  resumeDetached?: boolean;
}

/** Options of one call. */
export interface CallOptions {
  /**
   * Client request id (idempotency key): a call with an id that already finished
   * returns the recorded outcome instead of running again; one still running is joined.
   */
  requestId?: string;
}

/** What `GET /health` reports. */
export interface RuntimeHealth {
  ready: boolean;
  /** Why the runtime is not ready. */
  reason?: string;
  durable: boolean;
  host: string;
  entities: string[];
  /** Events queued in mailboxes. */
  queued: number;
  /** Requests in flight (waiting for their outcome). */
  inFlight: number;
  /** Events resumed from the durable queue at start. */
  recovered: number;
  uptimeSeconds: number;
}

/** How long {@link LocalRuntime.stop} waits for the batches in flight before it closes a host it owns. */
const STOP_GRACE_MS = 10_000;

/** Whether `promise` settles within `ms` (the timer does not keep the process alive). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Positional call arguments as a caller gives them: checked and encoded (`encodeCallArguments`) before the call is queued. */
export type Args = readonly unknown[];
/** Keyword call arguments as a caller gives them: checked and encoded before the call is queued. */
export type Kwargs = { readonly [name: string]: unknown };
type Settle = (result: Result) => void;

const NOBODY: Settle = () => {};

/**
 * The embedded StateFlow runtime: per-instance mailboxes processed one event at a
 * time in arrival order, different instances batched together into one call of the
 * Python host. State lives in a {@link StateStore}: in memory, or durable on disk
 * (`dataDir`), where every batch commits atomically and the work in flight resumes
 * after a restart.
 *
 * @example
 * const runtime = await LocalRuntime.start(program, { host, dataDir: '.stateflow-data/app' });
 * const created = await runtime.create('Item', ['coke', 2], {});
 * const result = await runtime.invoke('Item', 'coke', 'update_stock', [10], {}, { requestId: 'topup-1' });
 * await runtime.stop();
 */
export class LocalRuntime {
  /** The store of this runtime. */
  readonly store: StateStore;
  /** The metrics of this runtime (and of its HTTP server). */
  readonly metrics: RuntimeMetrics;
  private readonly mailboxes: Mailboxes;
  private readonly loop: BatchLoop;
  private readonly pending = new ChurnMap<string, Settle>();
  /** Fingerprints of the calls with a client request id still running (see callFingerprint). */
  private readonly fingerprints = new ChurnMap<string, string>();
  /** Looked up per call (the program does not change while the runtime runs). */
  private readonly entityClasses: Map<string, EntityClass>;
  private readonly replyTo: ReplyAddress = { channel: 'local', id: randomUUID() };
  private readonly logger: Logger;
  private readonly startedAt = Date.now();
  private readonly ownsStore: boolean;
  private recovered = 0;
  private stopped = false;
  /** Why calls are refused: the store could not commit and does not take writes yet. */
  private unavailable: string | undefined;
  private probeTimer: NodeJS.Timeout | undefined;

  private constructor(
    /** The program this runtime runs. */
    readonly program: Program,
    private readonly host: PythonHost,
    private readonly options: LocalRuntimeOptions,
  ) {
    this.ownsStore = !options.store;
    this.entityClasses = entityClassesByName(program);
    this.store =
      options.store ??
      (options.dataDir
        ? LmdbStateStore.open({ path: options.dataDir, command: 'stateflow', ...(options.retention ? { retention: options.retention } : {}) })
        : new InMemoryStateStore(options.retention ? { retention: options.retention } : {}));
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics ?? new RuntimeMetrics();
    this.metrics.gauge('stateflow_queue_depth', 'Events waiting in mailboxes.', () => this.mailboxes.pending);
    this.metrics.gauge('stateflow_requests_in_flight', 'Requests waiting for their outcome.', () => this.pending.size);
    this.metrics.counterFrom('stateflow_worker_restarts_total', 'Python workers restarted (crash, time limit, memory limit).', () => this.host.restarts ?? 0);
    const store = this.store;
    if (store.transactionCount !== undefined) {
      // Against stateflow_store_commit_duration_seconds_count: how well commits are grouped.
      this.metrics.counterFrom('stateflow_store_transactions_total', 'Transactions written by the durable store (each holds one or more batch commits).', () => store.transactionCount ?? 0);
    }
    const parallelism = host.parallelism ?? 1;
    // Local routing needs the runtime's mailboxes split like the host's workers.
    const routed = options.localRouting !== false && !!host.processOn && !!host.partitionOf;
    this.mailboxes = routed
      ? new Mailboxes((event) => host.partitionOf!(event), Math.max(1, parallelism))
      : new Mailboxes();
    this.loop = new BatchLoop(
      host,
      this.store,
      this.mailboxes,
      {
        respond: (requestId, result) => this.settle(requestId, result),
        fingerprintOf: (requestId) => this.fingerprints.get(requestId),
        fatal: (error, source) => (source === 'host' ? this.hostFailed(error) : this.storeFailed(error)),
        metrics: this.metrics,
      },
      { ...options, maxConcurrentBatches: options.maxConcurrentBatches ?? Math.max(1, parallelism) },
    );
  }

  /**
   * Checks `program` (`assertIr`), loads it into the host, opens the store and resumes
   * the events still queued in it; returns a running runtime.
   * @throws {InvalidProgramError} when the program is not valid IR of a supported version.
   */
  static async start(program: Program, options: LocalRuntimeOptions): Promise<LocalRuntime> {
    const checked = assertIr(program, SUPPORTED_IR_RANGE);
    if (!checked.program) throw new InvalidProgramError(checked.diagnostics);
    if (options.tuneGarbageCollector !== false) tuneGarbageCollector();
    await options.host.load(program, { resumeDetached: options.resumeDetached !== false });
    const runtime = new LocalRuntime(program, options.host, options);
    runtime.recover();
    return runtime;
  }

  /** Names of the entity classes of the program. */
  get entityNames(): string[] {
    return this.program.entities.map((e) => e.name);
  }

  /**
   * Creates an instance: runs `__init__` with the arguments, then stores the state at
   * its key. Resolves to a reference `{"$entity", "$key"}`, or an error (`EntityExists`
   * when the key is taken, `UnknownEntity`, `BadArguments`, or a user exception).
   *
   * The arguments are JSON values in the portable encoding (`@stateflow/ir` `values.ts`);
   * a malformed one is refused with `BadArguments` naming its place (`args[0][3]: ...`)
   * before anything runs (`encodeCallArguments`).
   */
  create(entity: string, args: Args = [], kwargs: Kwargs = {}, options?: CallOptions): Promise<Result> {
    if (!this.entityClasses.has(entity)) return Promise.resolve({ error: unknownEntity(this.program, entity) });
    const bad = checkCallOptions(options);
    if (bad) return Promise.resolve({ error: bad });
    const encoded = encodeCallArguments(args, kwargs, { entities: this.entityClasses });
    if ('problem' in encoded) return Promise.resolve({ error: systemError('BadArguments', encoded.problem) });
    const event: ConstructEvent = {
      kind: 'Construct',
      requestId: options?.requestId !== undefined ? clientRequestId(options.requestId) : generatedRequestId(),
      seq: 0,
      stack: [],
      replyTo: this.replyTo,
      entity,
      args: encoded.ok.args,
      kwargs: encoded.ok.kwargs,
    };
    return this.submit(event);
  }

  /**
   * Calls a public method on one instance. Resolves to `{ok: value}` or
   * `{error}`: `EntityNotFound`, `UnknownEntity`, `UnknownMethod`, `BadArguments`, or
   * the user's exception (no `code`) when the method raised. Arguments are checked as
   * in {@link LocalRuntime.create}.
   */
  invoke(entity: string, key: string, method: string, args: Args = [], kwargs: Kwargs = {}, options?: CallOptions): Promise<Result> {
    const cls = this.entityClasses.get(entity);
    if (!cls) return Promise.resolve({ error: unknownEntity(this.program, entity) });
    const badKey = checkKey(String(key));
    const denied =
      (badKey !== undefined ? systemError('BadArguments', badKey) : undefined) ??
      checkPublicMethod(cls, method) ??
      checkCallOptions(options);
    if (denied) return Promise.resolve({ error: denied });
    const encoded = encodeCallArguments(args, kwargs, { entities: this.entityClasses });
    if ('problem' in encoded) return Promise.resolve({ error: systemError('BadArguments', encoded.problem) });
    const event: InvokeEvent = {
      kind: 'Invoke',
      requestId: options?.requestId !== undefined ? clientRequestId(options.requestId) : generatedRequestId(),
      seq: 0,
      stack: [],
      replyTo: this.replyTo,
      target: { entity, key: String(key) },
      method,
      args: encoded.ok.args,
      kwargs: encoded.ok.kwargs,
    };
    return this.submit(event);
  }

  /** The encoded state of one instance, or `undefined` when it does not exist. */
  getState(entity: string, key: string): EntityState | undefined {
    // No instance has a key over the limit (and a store may refuse to look one up).
    if (checkKey(String(key)) !== undefined) return undefined;
    return this.store.get({ entity, key: String(key) });
  }

  /** Keys of the existing instances of one entity class. */
  keys(entity: string): string[] {
    return this.store.keys(entity);
  }

  /** Readiness and basic facts, for `GET /health`. */
  health(): RuntimeHealth {
    const reason = this.unavailable ?? (this.stopped ? 'the runtime is stopped' : this.host.unavailable?.());
    return {
      ready: reason === undefined,
      ...(reason !== undefined ? { reason } : {}),
      durable: this.store.durable,
      host: this.host.kind,
      entities: this.entityNames,
      queued: this.mailboxes.pending,
      inFlight: this.pending.size,
      recovered: this.recovered,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
    };
  }

  /** Resolves when every event (including resumed ones) is processed and committed. */
  async drained(): Promise<void> {
    while (this.mailboxes.pending > 0 || this.loop.batchesInFlight > 0) await this.loop.idle().then(() => new Promise((r) => setImmediate(r)));
    await this.loop.idle();
  }

  /**
   * Stops the runtime: waits for the batches and commits in flight, answers requests
   * still queued with an `Internal` error (with a durable store, the events they were
   * at stay queued and resume at the next start), closes the store it opened and the
   * host when `closeHostOnStop` was set. With `closeHostOnStop`, a batch still running
   * 10 seconds later is cut short by closing the host (its events stay queued,
   * its callers get an `Internal` error), so a stuck worker never keeps the process from
   * stopping.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.probeTimer);
    const idle = this.loop.stop();
    let hostClosed = false;
    if (this.options.closeHostOnStop && !(await settlesWithin(idle, STOP_GRACE_MS))) {
      this.logger.log('warn', 'a batch is still running after the stop grace period; closing the Python host', { graceMs: STOP_GRACE_MS });
      hostClosed = true;
      await this.host.close();
    }
    await idle;
    this.mailboxes.drainAll();
    const stoppedError = { error: systemError('Internal', 'the runtime was stopped before the request completed') };
    for (const settle of this.pending.values()) settle(stoppedError);
    this.pending.clear();
    this.fingerprints.clear();
    if (this.ownsStore) await this.store.close();
    if (this.options.closeHostOnStop && !hostClosed) await this.host.close();
  }

  private recover(): void {
    const events = this.store.pendingEvents();
    if (events.length === 0) return;
    for (const event of events) {
      if (!isTargeted(event) && event.kind !== 'Construct') continue;
      if (!this.pending.has(event.requestId)) this.pending.set(event.requestId, NOBODY);
      this.mailboxes.enqueue(event);
    }
    this.recovered = events.length;
    this.logger.log('info', 'resuming events from the durable queue', { events: events.length, requests: this.pending.size });
    this.loop.kick();
  }

  /**
   * A commit failed (e.g. the disk is full). The disk is the truth: once the batches in
   * flight are done, everything the runtime holds beyond it (mailboxes, waiting callers)
   * is dropped, the callers answered `Unavailable` (nothing of theirs was acknowledged),
   * and the store is probed until it takes writes; then the durable queue is reloaded
   * (as at a restart) and processing resumes.
   */
  private storeFailed(error: Error): void {
    this.unavailable = unavailableReason(error);
    this.logger.log('error', 'store commit failed; answering 503 until the store takes writes again', { error: error.message });
    void this.loop.idle().then(() => {
      if (this.stopped) return;
      this.mailboxes.drainAll();
      const refused = { error: systemError('Unavailable', `${this.unavailable!}; the request was not completed`) };
      for (const settle of this.pending.values()) settle(refused);
      this.pending.clear();
      this.fingerprints.clear();
      this.probeStore();
    });
  }

  /**
   * The host cannot run events any more (closed, no worker can start). Nothing of the
   * failed batch was committed (with a durable store its events stay queued for the next
   * start); the waiting callers are answered `Unavailable` and new calls refused, and the
   * runtime reports not ready until it is restarted.
   */
  private hostFailed(error: Error): void {
    // Closing a stuck host at stop ends here too: stop answers the callers then.
    if (this.stopped) return;
    this.unavailable = `${error.message}; restart the server`;
    this.logger.log('error', 'the Python host cannot run events; answering 503 until the server is restarted', { error: error.message });
    void this.loop.idle().then(() => {
      if (this.stopped) return;
      this.mailboxes.drainAll();
      const refused = { error: systemError('Unavailable', `${this.unavailable!}; the request was not completed`) };
      for (const settle of this.pending.values()) settle(refused);
      this.pending.clear();
      this.fingerprints.clear();
    });
  }

  private probeStore(): void {
    const recover = this.store.recover?.bind(this.store);
    if (!recover) return; // a store that cannot tell: stays unavailable
    this.probeTimer = setTimeout(() => {
      recover().then(
        () => {
          if (this.stopped) return;
          this.unavailable = undefined;
          this.logger.log('info', 'the state store takes writes again; resuming');
          this.recover();
          this.loop.resume();
        },
        (err: unknown) => {
          if (this.stopped) return;
          this.unavailable = unavailableReason(err);
          this.probeStore();
        },
      );
    }, this.options.storeProbeMs ?? 1000);
    this.probeTimer.unref();
  }

  private settle(requestId: string, result: Result): void {
    const settle = this.pending.get(requestId);
    if (!settle) return; // a response for a request we no longer wait for
    this.pending.delete(requestId);
    this.fingerprints.delete(requestId);
    ('ok' in result ? this.metrics.requestsOk : this.metrics.requestsFailed).inc();
    settle(result);
  }

  private submit(event: ConstructEvent | InvokeEvent): Promise<Result> {
    if (this.unavailable !== undefined) return Promise.resolve({ error: systemError('Unavailable', this.unavailable) });
    if (this.stopped) return Promise.resolve({ error: systemError('Internal', 'the runtime is stopped') });
    const { requestId } = event;
    if (isRecordedRequest(requestId)) {
      const fingerprint = callFingerprint(event);
      const recorded = this.store.getOutcome(requestId);
      if (recorded) {
        // Records written before fingerprints existed have none: they are trusted.
        if (recorded.fingerprint !== undefined && recorded.fingerprint !== fingerprint) return Promise.resolve(keyReused(requestId));
        this.metrics.idempotentHits.inc();
        return Promise.resolve(recorded.result);
      }
      const running = this.pending.get(requestId);
      if (running) {
        // A request resumed after a restart has no fingerprint: it is joined.
        const first = this.fingerprints.get(requestId);
        if (first !== undefined && first !== fingerprint) return Promise.resolve(keyReused(requestId));
        // The same request is still running (or resumed after a restart): join it.
        this.metrics.idempotentHits.inc();
        return new Promise<Result>((resolve) =>
          this.pending.set(requestId, (result) => {
            running(result);
            resolve(result);
          }),
        );
      }
      this.fingerprints.set(requestId, fingerprint);
    }
    return new Promise<Result>((resolve) => {
      this.pending.set(requestId, resolve);
      this.mailboxes.enqueue(event);
      this.loop.kick();
    });
  }
}

/** What `/health` and the answers say while the store cannot commit. */
function unavailableReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `the state store cannot commit (${message}); is the data directory's disk full? Writes resume once it takes them again; retry later`;
}

function keyReused(requestId: string): Result {
  const key = clientKeyOf(requestId);
  return {
    error: systemError(
      'IdempotencyKeyReused',
      `the request id (idempotency key) '${key}' was already used for a different call; a retry must repeat the same call (entity, key, method and arguments), and a new call needs a new id`,
    ),
  };
}

function checkCallOptions(options: CallOptions | undefined) {
  if (options?.requestId === undefined) return undefined;
  const problem = typeof options.requestId === 'string' ? checkClientRequestId(options.requestId) : 'requestId must be a string';
  return problem ? systemError('BadArguments', problem) : undefined;
}
