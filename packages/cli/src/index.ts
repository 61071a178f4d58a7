/**
 * `@stateflow/cli`: the `stateflow` command (compile, serve, graph, build, run, state,
 * codegen). Its programmatic entry is {@link runCli}, which runs one command line with
 * the given I/O, as `bin.js` does.
 *
 * @packageDocumentation
 */
export { runCli } from './main.js';
export type { CliContext } from './main.js';
export type { StopSignal } from './commands/serve.js';
export type { CliIo } from './io.js';
export { ExitCode } from './io.js';
