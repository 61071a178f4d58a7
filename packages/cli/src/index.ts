export { runCli } from './main.js';
export type { CliContext } from './main.js';
export type { CliIo } from './io.js';
export { ExitCode } from './io.js';
export { renderDiagnosticsText, renderDiagnosticsJson } from './render-diagnostics.js';
