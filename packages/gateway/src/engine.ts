import type { EntityState, Program, Result } from '@stateflow/ir';

/** Options of one call through the gateway. */
export interface EngineCallOptions {
  /**
   * The request id, from the `Idempotency-Key` header: a call with an id the engine has
   * seen returns that call's outcome instead of running again.
   */
  requestId?: string;
}

/**
 * What `GET /health` reports; `ready: false` answers 503. An engine may report more
 * fields (shown only with the token, when one is set).
 */
export interface EngineHealth {
  ready: boolean;
  /** Why the engine is not ready. */
  reason?: string;
}

/** Where the gateway counts HTTP requests, and the text of `GET /metrics`. */
export interface GatewayMetrics {
  /** Counts one handled HTTP request (`route`: `create`, `invoke`, `get`, `health`, `metrics`, `none`). */
  observeRequest(route: string, status: number, durationMs: number): void;
  /** The Prometheus text exposition of every metric. */
  render(): string;
}

/**
 * The engine behind the HTTP gateway: the one interface every backend implements to serve
 * the HTTP API of `stateflow serve` (the embedded runtime implements it directly; engines
 * reached through a client transport, such as Flink over Kafka, through
 * {@link transportEngine}). Outcomes are results, never exceptions: a user exception or
 * a StateFlow error is `{error}` (mapped to a status by `httpStatusOf`). Throw
 * {@link EngineUnavailableError} when the engine cannot be reached or did not answer in time.
 */
export interface GatewayEngine {
  /** The program served; its entity classes name the routes. */
  readonly program: Program;
  /**
   * Creates an instance; `{ok: {"$entity", "$key"}}` on success. Arguments are the
   * request's JSON values (the portable encoding, unchecked): the engine checks and
   * encodes them (`encodeCallArguments` of `@stateflow/ir`), a bad one is `BadArguments`.
   */
  create(entity: string, args: readonly unknown[], kwargs: { readonly [name: string]: unknown }, options?: EngineCallOptions): Promise<Result>;
  /** Calls a method of an instance (arguments as in {@link GatewayEngine.create}). */
  invoke(
    entity: string,
    key: string,
    method: string,
    args: readonly unknown[],
    kwargs: { readonly [name: string]: unknown },
    options?: EngineCallOptions,
  ): Promise<Result>;
  /** The encoded state of an instance, `undefined` when there is none. */
  getState(entity: string, key: string): EntityState | undefined | Promise<EntityState | undefined>;
  health(): EngineHealth | Promise<EngineHealth>;
  /** Metrics; without, `GET /metrics` serves the gateway's own request counts. */
  readonly metrics?: GatewayMetrics;
}

/**
 * The engine could not be reached, or did not answer in time: answered with `status`
 * (502 a bad answer, 503 unreachable, 504 no answer in time) and `{"error": {type, message}}`.
 */
export class EngineUnavailableError extends Error {
  override readonly name = 'EngineUnavailableError';

  constructor(
    readonly status: 502 | 503 | 504,
    /** The `error.type` of the response, e.g. `Timeout`, `EngineUnavailable`. */
    readonly type: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
