import { defineDiagnostics } from './define.js';

/** Diagnostics of the `parse` stage (SF1xxx). */
export const ParseDiagnostics = defineDiagnostics({
  SyntaxError: {
    code: 'SF1001',
    message: (d: { what: string }) => `syntax error: ${d.what}`,
    help: 'fix the Python syntax at this location (the file must parse as Python 3)',
  },
});
