import {
  encodeCallArguments,
  systemError,
  type EntityAddress,
  type EntityState,
  type Event,
  type InvokeEvent,
  type ConstructEvent,
  type Program,
  type ReplyAddress,
  type Result,
} from '@stateflow/ir';
import { DEFAULT_CONFIG, readArtifact, type TemplateConfig } from './build.js';
import { checkProgram } from './check-program.js';
import { KernelProcess } from './kernel-process.js';

/**
 * A minimal StateFlow engine: one process, one thread, one event at a time.
 *
 * Every StateFlow engine does the same four things, whatever it is built on:
 *
 * 1. **Keep state per instance.** An instance is addressed by `{entity, key}`; its state
 *    is an `EntityState` (field name to encoded value). Here: a `Map`. In Flink: keyed
 *    state. In a database: a row.
 * 2. **Route events.** Every event except `Construct` and `Response` has a `target`
 *    address; it must run where that instance's state is. `Construct` has no key yet
 *    (the key is computed by `__init__`), so it may run anywhere. `Response` leaves the
 *    dataflow: it is the answer to the client at `replyTo`.
 * 3. **Run one event at a time per instance.** A hop reads the state, runs Python, and
 *    writes the state back; two hops of the same instance must never overlap, and the
 *    second must see the state the first wrote. (Different instances may run in
 *    parallel; this engine simply runs everything in one queue.)
 * 4. **Hand each hop to the kernel.** The kernel does all the Python: binding arguments,
 *    running blocks, pushing and popping frames, raising errors. The engine never looks
 *    at user values, only at the routing fields (`kind`, `target`, `requestId`, `seq`).
 *
 * One more duty sits at the gateway: **check what clients send.** `encodeCallArguments`
 * (`@stateflow/ir`) turns call arguments into the portable encoding and refuses a
 * malformed value (`{"$int": "x"}`, an unknown tag, a reference to an unknown entity)
 * with `BadArguments` naming its place, before it can reach a batch and fail there.
 */

/** Options of {@link TemplateEngine.start}. */
export interface EngineOptions {
  /** The Python interpreter. @default `STATEFLOW_PYTHON`, else `python3` */
  python?: string;
  /** Settings, as in the artifact's `deployment.json`. @default {@link DEFAULT_CONFIG} */
  config?: TemplateConfig;
}

/** Options of one client call. */
export interface CallOptions {
  /**
   * The client's id for this request (an idempotency key): a second call with the same
   * id does not run again, it gets the first call's result.
   */
  requestId?: string;
}

/** Positional call arguments as a client sends them (JSON values in the portable encoding); checked before they are queued. */
export type Args = readonly unknown[];
/** Keyword call arguments as a client sends them; checked before they are queued. */
export type Kwargs = { readonly [name: string]: unknown };

/** The single-threaded engine of the template backend. */
export class TemplateEngine {
  /** 1. State: `entity \0 key` to the instance's encoded state. */
  private readonly state = new Map<string, EntityState>();
  /** Events waiting to run, oldest first. */
  private readonly queue: Event[] = [];
  /** Requests waiting for their `Response`, by request id. */
  private readonly waiting = new Map<string, (result: Result) => void>();
  /** Results of requests with a client request id, for deduplication (never expired here). */
  private readonly byClientId = new Map<string, Promise<Result>>();
  /** Where `Response`s go. With one client (this object), the address is only a label. */
  private readonly replyTo: ReplyAddress = { channel: 'template', id: 'in-process' };
  private running = false;
  private stopped = false;
  private counter = 0;

  /** The program's entity class names, for the argument checks. */
  private readonly entities: Set<string>;

  private constructor(
    readonly program: Program,
    private readonly kernel: KernelProcess,
    private readonly config: TemplateConfig,
  ) {
    this.entities = new Set(program.entities.map((e) => e.name));
  }

  /** Checks the program, starts a kernel process and loads the program into it. */
  static async start(program: Program, options: EngineOptions = {}): Promise<TemplateEngine> {
    const checked = checkProgram(program);
    const kernel = await KernelProcess.start(options.python);
    try {
      await kernel.load(checked);
    } catch (err) {
      await kernel.close();
      throw err;
    }
    return new TemplateEngine(checked, kernel, options.config ?? DEFAULT_CONFIG);
  }

  /** Starts the engine on an artifact directory written by `backend.build`. */
  static async fromArtifact(outDir: string, options: Omit<EngineOptions, 'config'> = {}): Promise<TemplateEngine> {
    const { program, config } = await readArtifact(outDir);
    return TemplateEngine.start(program, { ...options, config });
  }

  /**
   * Creates an instance: `Entity(*args, **kwargs)`. Resolves to a reference
   * `{ok: {"$entity", "$key"}}` or an error (`EntityExists`, `UnknownEntity`,
   * `BadArguments`, or the user's exception).
   */
  create(entity: string, args: Args = [], kwargs: Kwargs = {}, options: CallOptions = {}): Promise<Result> {
    const encoded = encodeCallArguments(args, kwargs, { entities: this.entities });
    if ('problem' in encoded) return Promise.resolve(badArguments(encoded.problem));
    // A request starts as an event like any other, with an empty stack and seq 0.
    const event: ConstructEvent = { kind: 'Construct', ...this.newRequest(options), entity, ...encoded.ok };
    return this.submit(event, options);
  }

  /** Calls a method of one instance. Resolves to `{ok: value}` or `{error}` (as {@link create}). */
  invoke(entity: string, key: string, method: string, args: Args = [], kwargs: Kwargs = {}, options: CallOptions = {}): Promise<Result> {
    const encoded = encodeCallArguments(args, kwargs, { entities: this.entities });
    if ('problem' in encoded) return Promise.resolve(badArguments(encoded.problem));
    const event: InvokeEvent = { kind: 'Invoke', ...this.newRequest(options), target: { entity, key }, method, ...encoded.ok };
    return this.submit(event, options);
  }

  /** The encoded state of one instance, or `undefined` when there is none. */
  getState(entity: string, key: string): EntityState | undefined {
    return this.state.get(slot({ entity, key }));
  }

  /** Stops the engine: requests still running fail with an `Internal` error; the kernel process ends. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.length = 0;
    for (const requestId of [...this.waiting.keys()]) this.finish(requestId, internal('the engine was stopped'));
    await this.kernel.close();
  }

  private newRequest(options: CallOptions) {
    // Client ids and our own ids live in separate name spaces, so they cannot collide.
    const requestId = options.requestId !== undefined ? `client:${options.requestId}` : `auto:${++this.counter}`;
    return { requestId, seq: 0, stack: [], replyTo: this.replyTo };
  }

  private submit(event: Event, options: CallOptions): Promise<Result> {
    if (this.stopped) return Promise.resolve(internal('the engine is stopped'));
    // Deduplication: the same client request id gets the same (running or finished) result.
    const known = this.byClientId.get(event.requestId);
    if (known) return known;
    const result = new Promise<Result>((resolve) => this.waiting.set(event.requestId, resolve));
    if (options.requestId !== undefined) this.byClientId.set(event.requestId, result);
    this.queue.push(event);
    void this.drain();
    return result;
  }

  /** 3. The event loop: one event at a time, in arrival order, until the queue is empty. */
  private async drain(): Promise<void> {
    if (this.running) return; // the loop already running will take the new event
    this.running = true;
    try {
      while (!this.stopped && this.queue.length > 0) await this.hop(this.queue.shift()!);
    } finally {
      this.running = false;
    }
  }

  /** One hop: deliver `event` to its instance through the kernel, then route what it emitted. */
  private async hop(event: Event): Promise<void> {
    // 2. Routing: the events with a target run on that instance's state; Construct runs
    // on no instance (state null). Response never reaches here: it is handled below.
    const address = 'target' in event ? event.target : undefined;
    const before = address ? (this.state.get(slot(address)) ?? null) : null;
    let results;
    try {
      // 4. The kernel. A batch of one keeps this simple; a real engine batches many
      // events of *different* instances into one call to save round trips.
      results = await this.kernel.process([{ event, state: before }]);
    } catch (err) {
      // The kernel itself failed (not user code: user exceptions come back as events).
      this.finish(event.requestId, internal(`the Python kernel failed: ${(err as Error).message}`));
      return;
    }
    const { state, out } = results[0]!;
    // `state` is present only when the hop changed it. Write it before routing the
    // emitted events, so that an event coming back to this instance sees the new state.
    if (state && address) this.state.set(slot(address), state);
    for (const next of out) {
      if (next.kind === 'Response') {
        // The request is done: hand the result to whoever waits at `replyTo`.
        this.finish(next.requestId, next.result);
      } else if (next.seq > this.config.maxHops) {
        // `seq` grows by one per hop; a runaway recursion between entities would
        // otherwise keep this loop busy forever.
        this.finish(next.requestId, internal(`request exceeded ${this.config.maxHops} hops; is there unbounded recursion between entities?`));
      } else {
        // Invoke, Read, Insert, Reply go to their target; Construct to anywhere. In one
        // process "anywhere" and "the target" are the same queue; in a distributed
        // engine this is where an event is sent to the partition owning `next.target`.
        this.queue.push(next);
      }
    }
  }

  private finish(requestId: string, result: Result): void {
    const resolve = this.waiting.get(requestId);
    this.waiting.delete(requestId);
    resolve?.(result);
  }
}

/** The `Map` key of an instance. Keys are strings (`str(__key__())`), so this is unambiguous. */
function slot(address: EntityAddress): string {
  return `${address.entity}\0${address.key}`;
}

/** A StateFlow system error (`code` set), as opposed to a user exception (no `code`). */
function internal(message: string): Result {
  return { error: systemError('Internal', message) };
}

/** A malformed argument value, refused before it reaches a batch (an HTTP gateway answers 400). */
function badArguments(problem: string): Result {
  return { error: systemError('BadArguments', problem) };
}
