/**
 * `@stateflow/client/codegen`: generates typed TypeScript stubs from a compiled program
 * (the IR). `stateflow codegen client app.py` compiles the Python first and calls this.
 *
 * @module @stateflow/client/codegen
 */
export { generateClient } from './generate-client.js';
export type { GenerateClientOptions } from './generate-client.js';
export type { IntMode } from '../values/decode.js';
export { clientNameOf } from './names.js';
export { tsTypeOf } from './type-mapping.js';
export type { Side } from './type-mapping.js';
