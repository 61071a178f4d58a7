import type { ErrorValue, Result, SystemErrorCode } from '@stateflow/ir';

/** Builds the {@link ErrorValue} of an error raised by StateFlow itself (not by user code). */
export function systemError(code: SystemErrorCode, message: string): ErrorValue {
  return { type: code, message, code };
}

/** A failed {@link Result} carrying a system error. */
export function systemErrorResult(code: SystemErrorCode, message: string): Result {
  return { error: systemError(code, message) };
}
