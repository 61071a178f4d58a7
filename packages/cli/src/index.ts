export { runCli } from './main.js';
export type { CliContext } from './main.js';
export type { StopSignal } from './commands/serve.js';
export type { CliIo } from './io.js';
export { ExitCode } from './io.js';
