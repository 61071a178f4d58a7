import { CliError } from './cli-error.js';
import { codegenCommand } from './commands/codegen.js';
import { compileCommand } from './commands/compile.js';
import { buildCommand, runCommand } from './commands/target.js';
import { graphCommand } from './commands/graph.js';
import { serveCommand } from './commands/serve.js';
import { stateCommand } from './commands/state.js';
import { ExitCode, type CliIo } from './io.js';
import { USAGE } from './usage.js';
import { cliVersion } from './version.js';

const COMMANDS: { [name: string]: (argv: string[], io: CliIo) => Promise<number> } = {
  compile: compileCommand,
  serve: serveCommand,
  graph: graphCommand,
  build: buildCommand,
  run: runCommand,
  codegen: codegenCommand,
  state: stateCommand,
};

/**
 * Runs the `stateflow` command line and returns the exit status: 0 success, 1 the
 * program has errors, 2 wrong usage, 70 an internal error. Never throws.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
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

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    io.stdout(topic && topic in COMMANDS ? USAGE[topic as keyof typeof USAGE] : USAGE.main);
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
  return command(rest, io);
}
