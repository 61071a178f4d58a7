import type { BlockId, VarName } from './program.js';
import type { EncodedValue } from './values.js';

/**
 * The event envelope. Routing fields (`kind`, `target`, `method`, `requestId`, `seq`)
 * are plain JSON, readable by any engine without running Python; user values inside
 * use the portable encoding ({@link EncodedValue}).
 */

/** Addresses one entity instance. `key` is the string form of `__key__()`. */
export interface EntityAddress {
  entity: string;
  key: string;
}

/** Where the final response of a request goes: an opaque client or ingress id. */
export interface ReplyAddress {
  /** Kind of channel, e.g. `local`, `http`, `kafka:<topic>`. */
  channel: string;
  /** Channel-specific id (a client id, a partition, ...). */
  id: string;
}

/**
 * A continuation: the method activation waiting for a remote result. Carries only
 * live variables. Frames are pushed when a method makes a remote interaction and
 * popped by the reply, so deep and recursive call chains work.
 */
export interface Frame {
  entity: string;
  key: string;
  method: string;
  /** Block that resumes. */
  resume: BlockId;
  /** Variable that receives the result. */
  resultVar: VarName;
  /** Live variables, encoded. */
  env: { [name: string]: EncodedValue };
}

/** An exception carried across entities and to clients. */
export interface ErrorValue {
  /** Python exception class name, e.g. `ValueError`, or a StateFlow error name. */
  type: string;
  message: string;
  /**
   * Set when the error comes from StateFlow rather than user code, so callers can map
   * it (HTTP status, retries). Absent for user exceptions.
   */
  code?: SystemErrorCode;
}

/** Errors raised by StateFlow itself (not by user code). */
export type SystemErrorCode =
  | 'EntityNotFound'
  | 'EntityExists'
  | 'UnknownEntity'
  | 'UnknownMethod'
  | 'UnknownAttribute'
  | 'BadArguments'
  | 'EncodingError'
  | 'Internal'
  /** A client request id (idempotency key) was used again for a different call. */
  | 'IdempotencyKeyReused'
  /**
   * A request id sent again after the engine may have forgotten it (older than the Flink
   * backend's `dedupTtlSeconds`): not run, since it may have run already.
   */
  | 'RequestExpired'
  /**
   * The runtime cannot take the call now (its store cannot commit, e.g. the disk is
   * full); nothing of the call was acknowledged. Retrying later, with the same request
   * id, is safe.
   */
  | 'Unavailable';

/** Builds the {@link ErrorValue} of an error raised by StateFlow itself (not by user code). */
export function systemError(code: SystemErrorCode, message: string): ErrorValue {
  return { type: code, message, code };
}

/** The outcome of a call. */
export type Result = { ok: EncodedValue } | { error: ErrorValue };

/** The fields every {@link Event} has, whatever its kind. */
export interface EventBase {
  /** Id of the client request this event belongs to; constant along the whole call chain. */
  requestId: string;
  /** Hop sequence number within the request, increasing by one per emitted event. */
  seq: number;
  /** Frames waiting for results, innermost last. */
  stack: Frame[];
  /** Where the final `Response` goes. */
  replyTo: ReplyAddress;
}

/** Calls `method` on an entity. */
export interface InvokeEvent extends EventBase {
  kind: 'Invoke';
  target: EntityAddress;
  method: string;
  args: EncodedValue[];
  kwargs: { [name: string]: EncodedValue };
}

/** Reads a state field of an entity. */
export interface ReadEvent extends EventBase {
  kind: 'Read';
  target: EntityAddress;
  attr: string;
}

/**
 * Runs an entity class's `__init__` where no key is known yet (any worker); yields
 * an {@link InsertEvent} to the computed key.
 */
export interface ConstructEvent extends EventBase {
  kind: 'Construct';
  entity: string;
  args: EncodedValue[];
  kwargs: { [name: string]: EncodedValue };
}

/** Stores a new instance at its key unless one exists (then `EntityExists`). Result: a reference. */
export interface InsertEvent extends EventBase {
  kind: 'Insert';
  target: EntityAddress;
  state: EntityState;
}

/** Delivers a result to the frame waiting for it, at the frame's entity. */
export interface ReplyEvent extends EventBase {
  kind: 'Reply';
  target: EntityAddress;
  frame: Frame;
  result: Result;
}

/** Leaves the dataflow: the final result for the client at `replyTo`. */
export interface ResponseEvent extends EventBase {
  kind: 'Response';
  result: Result;
  /**
   * Since IR 0.2.1: set when the answer was produced at an instance other than the one
   * the client's request started at (the bottom frame's instance), because the callers'
   * remaining blocks were `detached` ({@link Block.detached}) and ran where the value
   * was. A backend that remembers request ids per instance records the answer at
   * `origin`, so a retry of the request there still gets it. Only kernels started with
   * `resume_detached=True` emit it.
   */
  origin?: EntityAddress;
}

/** A message between the parts of a running program, told apart by `kind`. */
export type Event = InvokeEvent | ReadEvent | ConstructEvent | InsertEvent | ReplyEvent | ResponseEvent;
/** The `kind` of an {@link Event}: `'Invoke'`, `'Read'`, `'Construct'` and so on. */
export type EventKind = Event['kind'];

/** The state of one entity instance: field name to encoded value. */
export type EntityState = { [field: string]: EncodedValue };
