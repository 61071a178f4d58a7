import { defineDiagnostics } from './define.js';

/** Diagnostics of the `parse` stage (SF1xxx). */
export const ParseDiagnostics = defineDiagnostics({
  SyntaxError: {
    code: 'SF1001',
    message: (d: { what: string }) => `syntax error: ${d.what}`,
    help: 'fix the Python syntax at this location (the file must parse as Python 3)',
  },
  InternalError: {
    code: 'SF1002',
    message: (d: { what: string }) => `the compiler failed on this file: ${d.what}`,
    help: 'this is a bug in the compiler, not in your program; please report it with the file. Rewriting the construct near the reported place may avoid it meanwhile',
  },
});
