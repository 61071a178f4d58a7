export { LocalRuntime } from './runtime.js';
export { InvalidProgramError } from './invalid-program-error.js';
export type { LocalRuntimeOptions } from './runtime.js';
export type { BatchLoopOptions } from './batch-loop.js';
export { InMemoryStateStore, addressId } from './state-store.js';
export type { StateStore, StateWrite } from './state-store.js';
export { startHttpServer } from './http/server.js';
export type { HttpServer, HttpServerOptions, RequestLogEntry } from './http/server.js';
export { httpStatusOf } from './http/status.js';
