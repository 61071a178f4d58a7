import type { EncodedValue, Param, TypeRef } from '@stateflow/ir';
import { EntityRef, isEntityRefObject } from './entity-ref.js';
import { CancelledError, remoteErrorOf, TimeoutError, TransportError, ValueCodecError } from './errors.js';
import { uuidv7 } from './request-id.js';
import { backoffDelay, DEFAULT_RETRY_OPTIONS, type RetryOptions } from './retry.js';
import type { EncodedArgs, Transport, TransportRequest } from './transport.js';
import { decodeValue, type IntMode } from './values/decode.js';
import { encodeValue } from './values/encode.js';

/** Options of a {@link StateflowClient}; each is the default of the per-call option of the same name. */
export interface ClientOptions {
  /**
   * Longest time a call may take, all attempts and backoff included, in ms; `0` means no limit.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * Retries of transient failures; `false` disables them.
   * @default DEFAULT_RETRY_OPTIONS (3 attempts, 100 ms doubling up to 2 s)
   */
  retry?: RetryOptions | false;
  /**
   * How values declared `int` are returned (see {@link DecodeOptions.int}).
   * @default 'number'
   */
  int?: IntMode;
  /**
   * Makes a new request id (the idempotency key of a call).
   * @default a UUIDv7 ({@link uuidv7}: random, and it says when it was made)
   */
  newRequestId?: () => string;
}

/** Options of one call. */
export interface CallOptions {
  /** Overrides {@link ClientOptions.timeoutMs} for this call. */
  timeoutMs?: number;
  /** Cancels the call: the promise rejects with {@link CancelledError}. */
  signal?: AbortSignal;
  /** Overrides {@link ClientOptions.retry} for this call. */
  retry?: RetryOptions | false;
  /**
   * The request id, sent as the idempotency key (`Idempotency-Key` over HTTP, the
   * event's `requestId` elsewhere). Every attempt of the call reuses it. Pass your own
   * to make a call idempotent across client restarts.
   * @default a new UUIDv7 per call
   */
  requestId?: string;
  /** Overrides {@link ClientOptions.int} for this call. */
  int?: IntMode;
}

/** A parameter as the client needs it to encode arguments (a subset of the IR's `Param`). */
export type ParamSpec = Pick<Param, 'name' | 'type' | 'mode'>;

/** The declared Python types of a method; generated clients pass them so values are checked and shaped. */
export interface MethodTypes {
  params?: readonly ParamSpec[];
  returns?: TypeRef;
}

/** Options of {@link StateflowClient.invoke} and {@link StateflowClient.create}. */
export interface InvokeOptions extends CallOptions {
  /** Declared types of the method (generated clients set this). */
  types?: MethodTypes;
}

/**
 * The untyped client over any {@link Transport}: it encodes arguments, applies timeouts,
 * cancellation and retries (reusing the request id), and turns error results into
 * typed errors. Generated clients (`stateflow codegen client`) wrap one.
 *
 * @example
 * const client = new StateflowClient(httpTransport({ url: 'http://127.0.0.1:8080' }));
 * const coke = await client.create('Item', ['coke', 2]);
 * await client.invoke(coke, 'update_stock', [10]); // true
 */
export class StateflowClient {
  readonly #options: ClientOptions;

  constructor(
    /** How requests travel. */
    readonly transport: Transport,
    options: ClientOptions = {},
  ) {
    this.#options = options;
  }

  /** A reference to an instance (no request is made). */
  ref<E extends string>(entity: E, key: string): EntityRef<E> {
    return new EntityRef(entity, key);
  }

  /**
   * Creates an instance: runs `__init__` remotely and stores it at its key. Resolves to
   * a reference; rejects with `EntityExistsError` when the key is taken.
   */
  async create<E extends string>(
    entity: E,
    args: readonly unknown[] = [],
    kwargs: { readonly [name: string]: unknown } = {},
    options: InvokeOptions = {},
  ): Promise<EntityRef<E>> {
    const encoded = encodeArguments(args, kwargs, options.types?.params);
    const ok = await this.#call({ kind: 'create', entity, ...encoded }, `create ${entity}`, options);
    const ref = decodeValue(ok, { kind: 'EntityRef', entity }, 'result');
    if (!isEntityRefObject(ref)) throw new ValueCodecError('decode', 'result', 'create did not return a reference');
    return new EntityRef(entity, ref.key);
  }

  /**
   * Calls a method on an instance and resolves to its decoded result. Rejects with
   * `RemoteError` (the method raised; `type` is the Python class) or one of its
   * subclasses for StateFlow errors, `TimeoutError`, `CancelledError`, `TransportError`.
   */
  async invoke<T = unknown>(
    target: EntityRef | { readonly entity: string; readonly key: string },
    method: string,
    args: readonly unknown[] = [],
    kwargs: { readonly [name: string]: unknown } = {},
    options: InvokeOptions = {},
  ): Promise<T> {
    const where = `${target.entity}/${target.key}.${method}`;
    const encoded = encodeArguments(args, kwargs, options.types?.params);
    const ok = await this.#call({ kind: 'invoke', entity: target.entity, key: String(target.key), method, ...encoded }, where, options);
    return decodeValue(ok, options.types?.returns, 'result', { int: options.int ?? this.#options.int ?? 'number' }) as T;
  }

  /**
   * The decoded state of an instance, or `undefined` when it does not exist. Only where
   * the transport can read state (in-process, HTTP, and Kafka with the Flink backend's
   * `GetState` extension); others throw `TransportError`.
   */
  async getState(entity: string, key: string, options: Pick<CallOptions, 'timeoutMs' | 'signal'> = {}): Promise<{ [field: string]: unknown } | undefined> {
    const getState = this.transport.getState?.bind(this.transport);
    if (!getState) throw new TransportError(`the ${this.transport.name} transport cannot read state; call a method instead`, false);
    const state = await this.#withDeadline(`get ${entity}/${key}`, options, (signal) => getState(entity, String(key), { signal }));
    return state === undefined ? undefined : (decodeValue(state, undefined, 'state') as { [field: string]: unknown });
  }

  /** Closes the transport (connections, Kafka consumers). */
  async close(): Promise<void> {
    await this.transport.close?.();
  }

  async #call(request: TransportRequest, what: string, options: CallOptions): Promise<EncodedValue> {
    const requestId = options.requestId ?? (this.#options.newRequestId ?? uuidv7)();
    const retryOption = options.retry ?? this.#options.retry ?? {};
    const retry = retryOption === false ? { ...DEFAULT_RETRY_OPTIONS, attempts: 1 } : { ...DEFAULT_RETRY_OPTIONS, ...retryOption };
    return this.#withDeadline(what, options, async (signal) => {
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await this.transport.send(request, { requestId, signal, attempt });
          if ('error' in result) throw remoteErrorOf(result.error);
          return result.ok;
        } catch (err) {
          if (signal.aborted || attempt + 1 >= retry.attempts || !retry.isRetryable(err)) throw err;
          await sleep(backoffDelay(attempt + 1, retry), signal);
        }
      }
    }, requestId);
  }

  /** Runs `work` with a signal that fires on the timeout or the caller's signal, and maps those to typed errors. */
  async #withDeadline<T>(what: string, options: CallOptions, work: (signal: AbortSignal) => Promise<T>, requestId?: string): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs ?? 30_000;
    const controller = new AbortController();
    const abortedError = (): Error => {
      const reason: unknown = controller.signal.reason;
      return reason instanceof TimeoutError ? reason : new CancelledError(what, reason);
    };
    if (options.signal?.aborted) throw new CancelledError(what, options.signal.reason);
    const onAbort = (): void => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = timeoutMs > 0 && Number.isFinite(timeoutMs) ? setTimeout(() => controller.abort(new TimeoutError(timeoutMs, what, requestId)), timeoutMs) : undefined;
    try {
      const running = work(controller.signal);
      // A transport that ignores the signal must not keep the caller waiting.
      const aborted = new Promise<never>((_, reject) => {
        if (controller.signal.aborted) reject(abortedError());
        controller.signal.addEventListener('abort', () => reject(abortedError()), { once: true });
      });
      running.catch(() => undefined);
      aborted.catch(() => undefined);
      try {
        return await Promise.race([running, aborted]);
      } catch (err) {
        throw controller.signal.aborted ? abortedError() : err;
      }
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Encodes call arguments; with the declared parameters, each value is encoded for its
 * parameter's type (positional ones in order, keyword ones by name, `*args` and
 * `**kwargs` items with their item type).
 */
export function encodeArguments(
  args: readonly unknown[],
  kwargs: { readonly [name: string]: unknown },
  params?: readonly ParamSpec[],
): EncodedArgs {
  const positional = params?.filter((p) => p.mode === 'positional-or-keyword') ?? [];
  const varPositional = params?.find((p) => p.mode === 'var-positional');
  const varKeyword = params?.find((p) => p.mode === 'var-keyword');
  const encodedArgs = args.map((value, i) => {
    const type = positional[i]?.type ?? varPositional?.type;
    return encodeValue(value, type, `args[${i}]${positional[i] ? ` (${positional[i].name})` : ''}`);
  });
  // No prototype: a keyword named `__proto__` is then set as a key, not as the prototype.
  const encodedKwargs: { [name: string]: EncodedValue } = Object.create(null) as { [name: string]: EncodedValue };
  for (const [name, value] of Object.entries(kwargs)) {
    if (value === undefined) continue;
    const param = params?.find((p) => p.name === name && (p.mode === 'positional-or-keyword' || p.mode === 'keyword-only'));
    encodedKwargs[name] = encodeValue(value, param?.type ?? varKeyword?.type, `kwargs.${name}`);
  }
  return { args: encodedArgs, kwargs: encodedKwargs };
}
