import { defineDiagnostics } from './define-diagnostics.js';

/** Diagnostics of IR validation (SF4xxx), returned by `assertIr`. */
export const IrDiagnostics = defineDiagnostics({
  UnsupportedIrVersion: {
    code: 'SF4001',
    message: (d: { version: string; range: string }) =>
      `unsupported irVersion '${d.version}' (this backend accepts ${d.range})`,
    help: (d: { version: string; range: string }) =>
      `this backend accepts IR versions matching ${d.range}; recompile the program with a compiler that emits such a version, or use a backend release that accepts ${d.version}`,
  },
  InvalidIr: {
    code: 'SF4002',
    message: (d: { path: string; message: string }) => `invalid IR at ${d.path || '/'}: ${d.message}`,
    help: 'the IR does not match the StateFlow IR schema; it was not produced by a matching compiler or was edited by hand',
  },
});
