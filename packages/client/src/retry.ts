import { TransportError, UnavailableError } from './errors.js';

/** When and how often a failed attempt is sent again. */
export interface RetryOptions {
  /**
   * Attempts in total, the first included; `1` disables retries.
   * @default 3
   */
  attempts?: number;
  /**
   * Delay before the first retry, in ms; doubled for each further one.
   * @default 100
   */
  initialDelayMs?: number;
  /**
   * Longest delay between two attempts, in ms.
   * @default 2000
   */
  maxDelayMs?: number;
  /**
   * Whether an error is transient. Errors of user code (`RemoteError`) reach this only
   * if you return true for them, which you should not: they are never transient.
   * @default retryable `TransportError`s (connection failures, 502/503/504, throttling) and `UnavailableError`
   */
  isRetryable?: (error: unknown) => boolean;
}

/** The retry options with every default filled in. */
export const DEFAULT_RETRY_OPTIONS: Required<RetryOptions> = {
  attempts: 3,
  initialDelayMs: 100,
  maxDelayMs: 2000,
  isRetryable: (error) => (error instanceof TransportError && error.retryable) || error instanceof UnavailableError,
};

/**
 * The delay before retry number `retry` (1 for the first retry): exponential with
 * "full jitter" (a random delay between half and all of the exponential value), so
 * clients that failed together do not retry together.
 */
export function backoffDelay(retry: number, options: Required<RetryOptions>, random: () => number = Math.random): number {
  const exp = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (retry - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}
