import type { EncodedValue, EntityState, Result } from '@stateflow/ir';

/** Arguments of a call, already in the portable encoding. */
export interface EncodedArgs {
  args: EncodedValue[];
  kwargs: { [name: string]: EncodedValue };
}

/** One request a transport delivers: create an instance, or call a method of one. */
export type TransportRequest =
  | ({ kind: 'create'; entity: string } & EncodedArgs)
  | ({ kind: 'invoke'; entity: string; key: string; method: string } & EncodedArgs);

/** Per-attempt context passed to {@link Transport.send}. */
export interface SendContext {
  /**
   * The request id, also the idempotency key: the same for every attempt of one call,
   * so a backend that deduplicates runs the call once.
   */
  requestId: string;
  /** Fires when the call times out or the caller cancels; the transport stops waiting. */
  signal: AbortSignal;
  /** 0 for the first attempt, then 1, 2, ... */
  attempt: number;
}

/**
 * How a client reaches a StateFlow deployment. A transport delivers one encoded request
 * and returns the {@link Result} (`{ok}` or `{error}`, the error being the remote
 * side's answer). It throws `TransportError` when delivery fails (with `retryable`
 * set when sending again may help); timeouts, cancellation, retries, encoding and
 * error classes are the client's job ({@link StateflowClient}), not the transport's.
 *
 * A create resolves to `{ok: {"$entity", "$key"}}`.
 */
export interface Transport {
  /** Short name for messages, e.g. `http`, `kafka`. */
  readonly name: string;
  send(request: TransportRequest, context: SendContext): Promise<Result>;
  /** The encoded state of an instance (`undefined` when absent), where the transport can read state. */
  getState?(entity: string, key: string, context: { signal: AbortSignal }): Promise<EntityState | undefined>;
  /** Releases connections, consumers, timers. */
  close?(): Promise<void>;
}
