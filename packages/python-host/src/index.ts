/**
 * `@stateflow/python-host`: runs the StateFlow Python kernel from Node, in-process
 * with Pyodide or in CPython subprocesses, behind one {@link PythonHost} interface.
 *
 * @packageDocumentation
 */
export type { HostRequest, HostResult, LocalResult, LocalRoute, PythonHost, RoutedResult } from './host.js';
export { createPythonHost } from './create-host.js';
export type { PythonHostOptions, PythonHostKind } from './create-host.js';
export { PyodideHost } from './pyodide-host.js';
export type { PyodideHostOptions } from './pyodide-host.js';
export { PyodideWorkerHost } from './pyodide-worker-host.js';
export type { PyodideWorkerHostOptions } from './pyodide-worker-host.js';
export { WorkerPool } from './worker-pool.js';
export type { KernelWorker } from './worker-pool.js';
export { SubprocessHost } from './subprocess-host.js';
export type { SubprocessHostOptions } from './subprocess-host.js';
export { resolvePython } from './find-python.js';
export { workerIndex } from './partition.js';
export { encodeFrame, FrameDecoder } from './frames.js';
export { PythonHostError, isHostDown } from './errors.js';
export { failedResult } from './fail-event.js';
export { runOneByOne } from './one-by-one.js';
export type { PythonHostErrorCode } from './errors.js';
