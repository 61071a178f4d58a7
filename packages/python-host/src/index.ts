/**
 * `@stateflow/python-host`: runs the StateFlow Python kernel from Node, in-process
 * with Pyodide or in CPython subprocesses, behind one {@link PythonHost} interface.
 *
 * @packageDocumentation
 */
export type { HostRequest, HostResult, LoadOptions, LocalResult, LocalRoute, PythonHost, RoutedResult } from './host.js';
export { createPythonHost, PYTHON_HOST_KINDS } from './create-host.js';
export type { PythonHostOptions, PythonHostKind } from './create-host.js';
export { PythonHostError, isHostDown } from './errors.js';
export { failedResult } from './fail-event.js';
export { runOneByOne } from './one-by-one.js';
export type { PythonHostErrorCode } from './errors.js';
