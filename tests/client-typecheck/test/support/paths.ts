import { resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../../../..');
/** This package. */
export const PACKAGE = resolve(import.meta.dirname, '../..');
/** The built `stateflow` binary. */
export const BIN = resolve(ROOT, 'packages/cli/dist/bin.js');
/** The shop example. */
export const SHOP_APP = resolve(ROOT, 'examples/shop/app.py');
/** Where the tests write generated clients and consumers (git-ignored, inside the package so `@stateflow/client` resolves). */
export const GENERATED = resolve(PACKAGE, '.generated');
