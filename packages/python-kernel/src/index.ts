/**
 * `@stateflow/python-kernel`: ships the Python source of the StateFlow kernel (the
 * reference interpreter of the IR's method state machines) and tells hosts where it is.
 *
 * @packageDocumentation
 */
export { kernelPythonDir, kernelFiles, pythonFiles } from './files.js';
export type { KernelFile } from './files.js';
export { runPythonChecks } from './python-checks.js';
export type { PythonChecksOptions } from './python-checks.js';
