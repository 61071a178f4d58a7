/**
 * `@stateflow/frontend-python`: compiles a Python module of `@stateflow` entity classes
 * into the StateFlow IR ({@link compile}), with diagnostics for what it cannot compile.
 *
 * @packageDocumentation
 */
export { compile } from './compile.js';
export type { CompileOptions, CompileResult } from './compile.js';
