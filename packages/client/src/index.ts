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
