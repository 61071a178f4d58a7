import type { ErrorValue } from '@stateflow/ir';

/**
 * The HTTP status for an error result:
 *
 * | error | status |
 * |---|---|
 * | `EntityNotFound`, `UnknownEntity` | 404 |
 * | `EntityExists` | 409 |
 * | `UnknownMethod`, `BadArguments`, `UnknownAttribute` | 400 |
 * | a user exception (no `code`): the method raised; retrying will not help | 422 |
 * | `IdempotencyKeyReused`: the request id was used before for a different call | 422 |
 * | `RequestExpired`: the request id is older than the engine remembers ids (nothing ran) | 422 |
 * | `EncodingError`: the program produced a value the encoding cannot carry (a `complex`, an object of its own class); retrying will not help | 422 |
 * | `Unavailable`: the store cannot commit now (a full disk); nothing was acknowledged, retry later | 503 |
 * | `Internal`, anything else | 500 |
 *
 * A 5xx means a fault of StateFlow or of the machine, never a value of the user's.
 */
export function httpStatusOf(error: ErrorValue): number {
  switch (error.code) {
    case undefined:
    case 'IdempotencyKeyReused':
    case 'RequestExpired':
    case 'EncodingError':
      return 422;
    case 'EntityNotFound':
    case 'UnknownEntity':
      return 404;
    case 'EntityExists':
      return 409;
    case 'UnknownMethod':
    case 'BadArguments':
    case 'UnknownAttribute':
      return 400;
    case 'Unavailable':
      return 503;
    default:
      return 500;
  }
}
