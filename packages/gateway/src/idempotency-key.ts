/** Longest accepted client request id (idempotency key). */
export const MAX_REQUEST_ID_LENGTH = 200;

/** Checks a client request id (`Idempotency-Key`): 1 to 200 visible ASCII characters. Returns a problem, or undefined. */
export function checkClientRequestId(key: string): string | undefined {
  if (key.length === 0 || key.length > MAX_REQUEST_ID_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    return `an idempotency key (request id) is 1 to ${MAX_REQUEST_ID_LENGTH} visible ASCII characters without spaces, e.g. a UUID`;
  }
  return undefined;
}
