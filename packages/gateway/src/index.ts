/**
 * `@stateflow/gateway`: the HTTP API of `stateflow serve` in front of any engine, over a
 * small engine interface ({@link GatewayEngine}): the embedded runtime, or a deployment
 * reached through a client transport ({@link transportEngine}, e.g. Flink over Kafka).
 *
 * @packageDocumentation
 */
export { EngineUnavailableError } from './engine.js';
export type { GatewayEngine, EngineCallOptions, EngineHealth, GatewayMetrics } from './engine.js';
export { transportEngine } from './transport-engine.js';
export type { TransportEngine, TransportEngineOptions, TransportEngineHealth, GatewayTransport } from './transport-engine.js';
export { RequestMetrics } from './request-metrics.js';
export { startHttpServer } from './http/server.js';
export type { HttpServer, HttpServerOptions, RequestLogEntry } from './http/server.js';
export { matchRoute, RESERVED_NAMES } from './http/routes.js';
export type { Route } from './http/routes.js';
export { httpStatusOf } from './http/status.js';
export { checkClientRequestId, MAX_REQUEST_ID_LENGTH } from './idempotency-key.js';
export { createBrowserSafety, checkJsonContentType } from './http/browser-safety.js';
export type { BrowserSafety, BrowserSafetyOptions, BrowserRequest, BrowserVerdict } from './http/browser-safety.js';
export { HttpError } from './http/http-error.js';
