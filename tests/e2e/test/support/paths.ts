import { resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../../../..');
/** The built `stateflow` binary. */
export const BIN = resolve(ROOT, 'packages/cli/dist/bin.js');
/** The shop example. */
export const SHOP_APP = resolve(ROOT, 'examples/shop/app.py');
/** The reference runner for plain sequential Python (the conformance kit's). */
export const RUN_PLAIN = resolve(ROOT, 'packages/conformance/reference/run_plain.py');
