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
  | 'Protocol';

/** An error of a Python host; `code` says what happened, the message how to fix it. */
export class PythonHostError extends Error {
  override readonly name = 'PythonHostError';
  readonly code: PythonHostErrorCode;

  constructor(code: PythonHostErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
