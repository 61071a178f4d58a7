export { compile } from './compile.js';
export type { CompileOptions, CompileResult } from './compile.js';
export { GENERATED_BANNER } from './emit/index.js';
