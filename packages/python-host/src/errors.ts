import type { ErrorValue } from '@stateflow/ir';

/** Why a {@link PythonHostError} happened. */
export type PythonHostErrorCode =
  /** The Python interpreter could not be found or started. */
  | 'PythonNotFound'
  /** The interpreter is older than the kernel supports (3.9). */
  | 'PythonTooOld'
  /** The program's module failed to execute or does not match its IR. */
  | 'LoadFailed'
  /** `process` was called before `load`. */
  | 'NotLoaded'
  /** A kernel process exited (or crashed) while calls were pending or afterwards. */
  | 'ProcessExited'
  /** The host was closed. */
  | 'Closed'
  /** The kernel answered something the host did not understand (a bug). */
  | 'Protocol'
  /**
   * A value of the batch could not be encoded for the kernel, or the kernel could not
   * read the batch or encode its answer (e.g. a value nested too deeply). The host re-runs
   * the batch's events one by one, and the event that fails alone gets {@link PythonHostError.error}.
   */
  | 'Unencodable';

/** An error of a Python host; `code` says what happened, the message how to fix it. */
export class PythonHostError extends Error {
  override readonly name = 'PythonHostError';
  readonly code: PythonHostErrorCode;
  /** For `Unencodable`: the error the event gets when it fails alone. */
  readonly error: ErrorValue | undefined;
  /**
   * For `ProcessExited`: the event of the batch (its index) the worker was running when
   * it was stopped, and its error; it is failed without being run again.
   */
  readonly culprit: { index: number; error: ErrorValue } | undefined;

  constructor(
    code: PythonHostErrorCode,
    message: string,
    options?: { cause?: unknown; error?: ErrorValue; culprit?: { index: number; error: ErrorValue } },
  ) {
    super(message, options);
    this.code = code;
    this.error = options?.error;
    this.culprit = options?.culprit;
  }
}

/**
 * Whether `err` means the host cannot run any event now (closed, not loaded, or a worker
 * that cannot be started): re-running events one by one would fail them all, so the
 * caller keeps them for later instead of failing them.
 */
export function isHostDown(err: unknown): boolean {
  return err instanceof PythonHostError && (err.code === 'Closed' || err.code === 'NotLoaded' || err.code === 'PythonNotFound' || err.code === 'PythonTooOld' || err.code === 'LoadFailed');
}
