export { LocalRuntime } from './runtime.js';
export { InvalidProgramError } from './invalid-program-error.js';
export type { LocalRuntimeOptions, CallOptions, RuntimeHealth, Args, Kwargs } from './runtime.js';
export type { BatchLoopOptions } from './batch-loop.js';
export { InMemoryStateStore } from './state-store.js';
export type { StateStore, StateWrite, CommitBatch, EventId, OutcomeRecord, OutcomeRetention } from './state-store.js';
export { LmdbStateStore } from './lmdb-state-store.js';
export type { LmdbStateStoreOptions } from './lmdb-state-store.js';
export { DataDirError } from './data-dir-error.js';
export { DataDirLockedError } from './data-dir-lock.js';
export type { LockHolder } from './data-dir-lock.js';
export { RuntimeMetrics, Counter, Histogram, Gauge } from './metrics.js';
export type { CounterSeries, Metric, Labels } from './metrics.js';
export { createLogger, silentLogger, LOG_LEVELS } from './logger.js';
export type { Logger, LoggerOptions, LogLevel, LogFields } from './logger.js';
// The HTTP API lives in @stateflow/gateway; re-exported for existing callers.
export { startHttpServer, createBrowserSafety, checkJsonContentType, HttpError } from '@stateflow/gateway';
export type { HttpServer, HttpServerOptions, RequestLogEntry, BrowserSafety, BrowserSafetyOptions, BrowserRequest, BrowserVerdict } from '@stateflow/gateway';
// The Python hosts the runtime runs on, so a caller (the CLI's serve) needs this one package.
export { createPythonHost, PYTHON_HOST_KINDS } from '@stateflow/python-host';
export type { PythonHost, PythonHostKind } from '@stateflow/python-host';
