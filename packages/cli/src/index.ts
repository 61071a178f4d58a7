export { runCli } from './main.js';
export type { CliIo } from './io.js';
export { ExitCode } from './io.js';
