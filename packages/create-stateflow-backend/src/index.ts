/**
 * `create-stateflow-backend`: starts a new StateFlow backend from the backend template
 * (`npm create stateflow-backend my-backend`). The bin is `dist/bin.js`; this entry point
 * offers the same as a function.
 */
export { scaffold, targetFromDirectory, ScaffoldError } from './scaffold.js';
export type { ScaffoldOptions, ScaffoldResult } from './scaffold.js';
