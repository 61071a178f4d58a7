import { CliError } from './cli-error.js';
import { codegenCommand } from './commands/codegen.js';
import { compileCommand } from './commands/compile.js';
import { engineCommand } from './commands/engine.js';
import { buildCommand, runCommand } from './commands/target.js';
import { graphCommand } from './commands/graph.js';
import { serveCommand, type StopSignal } from './commands/serve.js';
import { stateCommand } from './commands/state.js';
import { ExitCode, type CliIo } from './io.js';
import { USAGE } from './usage.js';
import { cliVersion } from './version.js';

/** What a run of the CLI may be given besides its arguments (tests run it in process with these). */
export interface CliContext {
  /** Resolves when a long-running command (serve, run) should stop. @default SIGINT or SIGTERM */
  stop?: StopSignal;
}

const COMMANDS: { [name: string]: (argv: string[], io: CliIo, context: CliContext) => Promise<number> } = {
  compile: (argv, io) => compileCommand(argv, io),
  serve: (argv, io, context) => serveCommand(argv, io, context.stop),
  graph: (argv, io) => graphCommand(argv, io),
  build: (argv, io) => buildCommand(argv, io),
  run: (argv, io, context) => runCommand(argv, io, context.stop),
  codegen: (argv, io) => codegenCommand(argv, io),
  state: (argv, io) => stateCommand(argv, io),
  engine: (argv, io) => engineCommand(argv, io),
};

/**
 * Runs the `stateflow` command line and returns the exit status: 0 success, 1 the
 * program has errors, 2 wrong usage, 70 an internal error. Never throws.
 */
export async function runCli(argv: string[], io: CliIo, context: CliContext = {}): Promise<number> {
  try {
    return await dispatch(argv, io, context);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(`${err.message}\n`);
      if (err.usage) io.stderr(`\n${err.usage}`);
      return err.exitCode;
    }
    const error = err instanceof Error ? err : new Error(String(err));
    io.stderr(`stateflow: internal error: ${error.message}\n`);
    if (process.env['STATEFLOW_DEBUG']) io.stderr(`${error.stack ?? ''}\n`);
    else io.stderr('this is a bug in StateFlow; set STATEFLOW_DEBUG=1 to see the stack trace and please report it\n');
    return ExitCode.Internal;
  }
}

async function dispatch(argv: string[], io: CliIo, context: CliContext): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    // `help <command>` is `<command> --help`: build and run print their own usage (it names the backend's settings).
    if (topic !== undefined && Object.hasOwn(COMMANDS, topic)) return COMMANDS[topic]!(['--help'], io, context);
    io.stdout(USAGE.main);
    return ExitCode.Ok;
  }
  if (first === '-v' || first === '--version') {
    io.stdout(`stateflow ${cliVersion()}\n`);
    return ExitCode.Ok;
  }
  const command = COMMANDS[first];
  if (!command) {
    const what = first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`;
    throw new CliError(`stateflow: ${what}`, ExitCode.Usage, USAGE.main);
  }
  return command(rest, io, context);
}
