export { compile } from './compile.js';
export type { CompileOptions, CompileResult } from './compile.js';
