import { randomUUID } from 'node:crypto';
import {
  assertIr,
  SUPPORTED_IR_RANGE,
  type ConstructEvent,
  type EncodedValue,
  type EntityState,
  type InvokeEvent,
  type Program,
  type ReplyAddress,
  type Result,
} from '@stateflow/ir';
import type { PythonHost } from '@stateflow/python-host';
import { InvalidProgramError } from './invalid-program-error.js';
import { BatchLoop, type BatchLoopOptions } from './batch-loop.js';
import { Mailboxes } from './mailboxes.js';
import { Router } from './router.js';
import { InMemoryStateStore, type StateStore } from './state-store.js';
import { systemError } from './system-errors.js';
import { checkArgumentShape, checkPublicMethod, findEntity } from './validate-call.js';

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
   * Where entity state lives.
   * @default a new InMemoryStateStore
   */
  store?: StateStore;
}

type Args = EncodedValue[];
type Kwargs = { [name: string]: EncodedValue };

/**
 * The embedded StateFlow runtime: per-instance mailboxes processed one event at a
 * time in arrival order, different instances batched together into one call of the
 * Python host. State lives in a {@link StateStore} (in memory by default).
 *
 * @example
 * const runtime = await LocalRuntime.start(program, { host });
 * const created = await runtime.create('Item', ['coke', 2], {});
 * const result = await runtime.invoke('Item', 'coke', 'update_stock', [10], {});
 * await runtime.stop();
 */
export class LocalRuntime {
  private readonly store: StateStore;
  private readonly mailboxes = new Mailboxes();
  private readonly loop: BatchLoop;
  private readonly pending = new Map<string, (result: Result) => void>();
  private readonly replyTo: ReplyAddress = { channel: 'local', id: randomUUID() };
  private stopped = false;

  private constructor(
    /** The program this runtime runs. */
    readonly program: Program,
    private readonly host: PythonHost,
    private readonly options: LocalRuntimeOptions,
  ) {
    this.store = options.store ?? new InMemoryStateStore();
    const settle = (requestId: string, result: Result): void => {
      const resolve = this.pending.get(requestId);
      if (!resolve) return; // a response for a request we no longer wait for
      this.pending.delete(requestId);
      resolve(result);
    };
    const router = new Router(this.mailboxes, settle);
    this.loop = new BatchLoop(host, this.store, this.mailboxes, router, (id, error) => settle(id, { error }), options);
  }

  /**
   * Checks `program` (`assertIr`), loads it into the host and returns a running runtime.
   * @throws {InvalidProgramError} when the program is not valid IR of a supported version.
   */
  static async start(program: Program, options: LocalRuntimeOptions): Promise<LocalRuntime> {
    const checked = assertIr(program, SUPPORTED_IR_RANGE);
    if (!checked.program) throw new InvalidProgramError(checked.diagnostics);
    await options.host.load(program);
    return new LocalRuntime(program, options.host, options);
  }

  /** Names of the entity classes of the program. */
  get entityNames(): string[] {
    return this.program.entities.map((e) => e.name);
  }

  /**
   * Creates an instance: runs `__init__` with the arguments, then stores the state at
   * its key. Resolves to a reference `{"$entity", "$key"}`, or an error (`EntityExists`
   * when the key is taken, `UnknownEntity`, `BadArguments`, or a user exception).
   */
  create(entity: string, args: Args = [], kwargs: Kwargs = {}): Promise<Result> {
    const found = findEntity(this.program, entity);
    if ('error' in found) return Promise.resolve(found);
    const shape = checkArgumentShape(args, kwargs);
    if (shape) return Promise.resolve({ error: shape });
    const requestId = randomUUID();
    const event: ConstructEvent = {
      kind: 'Construct',
      requestId,
      seq: 0,
      stack: [],
      replyTo: this.replyTo,
      entity,
      args,
      kwargs,
    };
    return this.submit(event);
  }

  /**
   * Calls a public method on one instance. Resolves to `{ok: value}` or
   * `{error}`: `EntityNotFound`, `UnknownEntity`, `UnknownMethod`, `BadArguments`, or
   * the user's exception (no `code`) when the method raised.
   */
  invoke(entity: string, key: string, method: string, args: Args = [], kwargs: Kwargs = {}): Promise<Result> {
    const found = findEntity(this.program, entity);
    if ('error' in found) return Promise.resolve(found);
    const denied = checkPublicMethod(found.cls, method) ?? checkArgumentShape(args, kwargs);
    if (denied) return Promise.resolve({ error: denied });
    const requestId = randomUUID();
    const event: InvokeEvent = {
      kind: 'Invoke',
      requestId,
      seq: 0,
      stack: [],
      replyTo: this.replyTo,
      target: { entity, key: String(key) },
      method,
      args,
      kwargs,
    };
    return this.submit(event);
  }

  /** The encoded state of one instance, or `undefined` when it does not exist. */
  getState(entity: string, key: string): EntityState | undefined {
    return this.store.get({ entity, key: String(key) });
  }

  /** Keys of the existing instances of one entity class. */
  keys(entity: string): string[] {
    return this.store.keys(entity);
  }

  /**
   * Stops the runtime: waits for the batch in flight, fails requests still queued with
   * an `Internal` error, and closes the host when `closeHostOnStop` was set.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.loop.stop();
    this.mailboxes.drainAll();
    const stoppedError = { error: systemError('Internal', 'the runtime was stopped before the request completed') };
    for (const resolve of this.pending.values()) resolve(stoppedError);
    this.pending.clear();
    if (this.options.closeHostOnStop) await this.host.close();
  }

  private submit(event: ConstructEvent | InvokeEvent): Promise<Result> {
    if (this.stopped) {
      return Promise.resolve({ error: systemError('Internal', 'the runtime is stopped') });
    }
    return new Promise<Result>((resolve) => {
      this.pending.set(event.requestId, resolve);
      this.mailboxes.enqueue(event);
      this.loop.kick();
    });
  }
}
