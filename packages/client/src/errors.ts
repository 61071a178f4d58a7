import type { ErrorValue, SystemErrorCode } from '@stateflow/ir';

/** Base class of every error the client throws; `code` is stable, `name` is the class name. */
export class StateflowClientError extends Error {
  override readonly name: string = 'StateflowClientError';
  /**
   * Stable machine-readable code: `Timeout`, `Cancelled`, `Transport`, `EncodeValue`,
   * `DecodeValue`, or for a {@link RemoteError} the system code (`EntityNotFound`, ...)
   * and `undefined` for a user exception.
   */
  readonly code: string | undefined;

  constructor(code: string | undefined, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The remote side answered with an error: a user exception (`code` undefined, `type` is
 * the Python class name, e.g. `NotEnoughStock`) or a StateFlow system error (`code` set,
 * and one of the subclasses below is thrown). Never retried: the state is unchanged and
 * sending the same call again gives the same answer.
 */
export class RemoteError extends StateflowClientError {
  override readonly name: string = 'RemoteError';
  /** Python exception class name, or the StateFlow error name. */
  readonly type: string;
  /** The system error code; `undefined` for an exception raised by user code. */
  declare readonly code: SystemErrorCode | undefined;

  constructor(error: ErrorValue) {
    super(error.code, error.message);
    this.type = error.type;
  }

  /** Whether the error was raised by the user's Python code (not by StateFlow). */
  get isUserException(): boolean {
    return this.code === undefined;
  }
}

/** No instance has the key (`EntityNotFound`). */
export class EntityNotFoundError extends RemoteError {
  override readonly name: string = 'EntityNotFoundError';
}
/** Create found the key taken; the existing instance is unchanged (`EntityExists`). */
export class EntityExistsError extends RemoteError {
  override readonly name: string = 'EntityExistsError';
}
/** The program has no such entity class (`UnknownEntity`). */
export class UnknownEntityError extends RemoteError {
  override readonly name: string = 'UnknownEntityError';
}
/** No such public method (`UnknownMethod`). */
export class UnknownMethodError extends RemoteError {
  override readonly name: string = 'UnknownMethodError';
}
/** A read of a missing attribute in the call chain (`UnknownAttribute`). */
export class UnknownAttributeError extends RemoteError {
  override readonly name: string = 'UnknownAttributeError';
}
/** The arguments do not bind to the parameters (`BadArguments`). */
export class BadArgumentsError extends RemoteError {
  override readonly name: string = 'BadArgumentsError';
}
/** StateFlow failed, e.g. the Python host crashed (`Internal`), or a value could not be encoded (`EncodingError`). */
export class InternalError extends RemoteError {
  override readonly name: string = 'InternalError';
}

/**
 * The idempotency key (request id) of this call was used before for a different call
 * (another entity, key, method or arguments): `IdempotencyKeyReused`. Nothing ran; use a
 * new key for a new call.
 */
export class IdempotencyKeyReusedError extends RemoteError {
  override readonly name: string = 'IdempotencyKeyReusedError';
}

/**
 * The request id was sent again too late: the engine forgets request ids after a while
 * (the Flink backend's `dedupTtlSeconds`) and this one is older, so it may have run
 * already (`RequestExpired`). Nothing ran now; read the state to see whether the first
 * attempt took effect, and send a new call (a new request id) if it did not.
 */
export class RequestExpiredError extends RemoteError {
  override readonly name: string = 'RequestExpiredError';
}

/**
 * The runtime cannot take the call now, e.g. its disk is full (`Unavailable`, HTTP 503).
 * Nothing of the call was acknowledged; retrying later with the same requestId is safe,
 * and the default retry policy does.
 */
export class UnavailableError extends RemoteError {
  override readonly name: string = 'UnavailableError';
}

const BY_CODE: { [C in SystemErrorCode]: new (error: ErrorValue) => RemoteError } = {
  EntityNotFound: EntityNotFoundError,
  EntityExists: EntityExistsError,
  UnknownEntity: UnknownEntityError,
  UnknownMethod: UnknownMethodError,
  UnknownAttribute: UnknownAttributeError,
  BadArguments: BadArgumentsError,
  EncodingError: InternalError,
  Internal: InternalError,
  IdempotencyKeyReused: IdempotencyKeyReusedError,
  RequestExpired: RequestExpiredError,
  Unavailable: UnavailableError,
};

/** The system error codes, in the order of `SystemErrorCode`. */
export const SYSTEM_ERROR_CODES: readonly SystemErrorCode[] = Object.keys(BY_CODE) as SystemErrorCode[];

/** Builds the {@link RemoteError} (or the subclass of its system code) for an error result. */
export function remoteErrorOf(error: ErrorValue): RemoteError {
  const Cls = error.code !== undefined ? BY_CODE[error.code] : undefined;
  return Cls ? new Cls(error) : new RemoteError(error);
}

/**
 * The call did not complete within `timeoutMs` (all attempts included). The remote side
 * may still run it: call again with `{ requestId: error.requestId }` to get its outcome
 * without running it twice.
 */
export class TimeoutError extends StateflowClientError {
  override readonly name: string = 'TimeoutError';
  constructor(
    readonly timeoutMs: number,
    what: string,
    /** The request id of the call (absent for a state read). */
    readonly requestId?: string,
  ) {
    super(
      'Timeout',
      `${what} did not complete within ${timeoutMs} ms; it may still run remotely (retry with the same requestId${requestId ? ` '${requestId}'` : ''} to be safe)`,
    );
  }
}

/** The caller's `AbortSignal` fired. The remote side may still run the call. */
export class CancelledError extends StateflowClientError {
  override readonly name: string = 'CancelledError';
  constructor(what: string, cause: unknown) {
    super('Cancelled', `${what} was cancelled`, { cause });
  }
}

/**
 * The request could not be delivered or its answer not received: connection refused,
 * a 5xx from a proxy, a broker or Lambda failure, a malformed response. `retryable`
 * says whether sending it again (with the same requestId) may help.
 */
export class TransportError extends StateflowClientError {
  override readonly name: string = 'TransportError';
  constructor(
    message: string,
    /** Whether a retry may succeed. */
    readonly retryable: boolean,
    options?: { cause?: unknown; status?: number },
  ) {
    super('Transport', message, options);
    this.status = options?.status;
  }
  /** HTTP status, when the transport is HTTP. */
  readonly status: number | undefined;
}

/** A value could not be converted to or from the portable encoding; `path` names where. */
export class ValueCodecError extends StateflowClientError {
  override readonly name: string = 'ValueCodecError';
  constructor(
    readonly direction: 'encode' | 'decode',
    /** Where in the value, e.g. `args[1].items[0]` or `result`. */
    readonly path: string,
    message: string,
  ) {
    super(direction === 'encode' ? 'EncodeValue' : 'DecodeValue', `${path}: ${message}`);
  }
}
