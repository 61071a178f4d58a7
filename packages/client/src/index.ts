/**
 * `@stateflow/client`: typed clients for StateFlow entities. One API in process (the
 * embedded runtime), over HTTP (`stateflow serve`), Kafka and AWS Lambda (the subpaths
 * `@stateflow/client/kafka` and `@stateflow/client/lambda`), with timeouts, retries that
 * reuse the idempotency key, typed errors and the portable value encoding. Typed stubs
 * come from `@stateflow/client/codegen` (`stateflow codegen client app.py`).
 *
 * @module @stateflow/client
 */
export { EntityRef } from './entity-ref.js';
export {
  StateflowClientError,
  RemoteError,
  EntityNotFoundError,
  EntityExistsError,
  UnknownEntityError,
  UnknownMethodError,
  UnknownAttributeError,
  BadArgumentsError,
  InternalError,
  IdempotencyKeyReusedError,
  RequestExpiredError,
  UnavailableError,
  TimeoutError,
  CancelledError,
  TransportError,
  ValueCodecError,
  remoteErrorOf,
} from './errors.js';
export { StateflowClient } from './client.js';
export { bindArguments } from './bind-arguments.js';
export type { ClientOptions, CallOptions, InvokeOptions, MethodTypes, ParamSpec } from './client.js';
export { DEFAULT_RETRY_OPTIONS } from './retry.js';
export { uuidv7 } from './request-id.js';
export type { RetryOptions } from './retry.js';
export type { Transport, TransportRequest, SendContext, EncodedArgs } from './transport.js';
export { buildRequestEvent, parseResponseEvent } from './events.js';
export { encodeValue } from './values/encode.js';
export { decodeValue } from './values/decode.js';
export type { DecodeOptions, IntMode } from './values/decode.js';
export { tuple, isTuple } from './values/tuple.js';
export { bytearray, isBytearray, frozenset, isFrozenset, PythonValue } from './values/python-values.js';
export type { PythonValueTag } from './values/python-values.js';
export type { Tuple } from './values/tuple.js';
export { inProcessTransport } from './transports/in-process.js';
export type { EmbeddedRuntime, EmbeddedCallOptions } from './transports/in-process.js';
export { httpTransport } from './transports/http.js';
export type { HttpTransportOptions } from './transports/http.js';
