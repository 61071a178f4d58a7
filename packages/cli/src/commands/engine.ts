import {
  EngineManifestError,
  EngineScriptError,
  findEngine,
  isSetUp,
  listEngines,
  runEngineScript,
  setupEngines,
  UnknownEngineError,
} from '@stateflow/engine-harness/engines';
import { cacheDir } from '@stateflow/engine-harness';
import { CliError } from '../cli-error.js';
import { ExitCode, type CliIo } from '../io.js';

/** Usage of `stateflow engine`. */
export const ENGINE_USAGE = `Usage: stateflow engine list
       stateflow engine setup <engine>...
       stateflow engine start <engine> [script options]
       stateflow engine stop <engine> [script options]

Sets up on this machine the engines a backend runs on (stateflow run --target <name>),
from downloads cached in \${STATEFLOW_CACHE:-\${XDG_CACHE_HOME:-~/.cache}/stateflow}.
A second setup downloads nothing. Everything listens on 127.0.0.1 only.

  list               the engines, what each needs, and whether it is set up
  setup <engine>...  download and install the engine and what it requires (flink: Kafka
                     and PyFlink, about 1.5 GB; lambda: the Lambda emulator and a store)
  start kafka        start a single-node Kafka on 127.0.0.1:19092 (--port <n>, --fresh);
                     prints its bootstrap address. stateflow run --target flink needs it
  stop kafka         stop it (--port <n>, --clean deletes its data)
  start statefun     run an application built with stateflow build --target statefun
                     (--app DIR; needs Kafka started first): its function service, then
                     the Statefun JVM, restored from its newest checkpoint (--fresh: not)
  stop statefun      stop both (--app DIR, --clean deletes its run folder)

Needs bash and, depending on the engine, java (17), mvn, python3 (3.9-3.12 for flink;
PYTHON=/path/to/python picks another) and go (lambda).

Exit status: 0 done, 1 a setup or start failed (its output says why), 2 wrong usage.
`;

/** `stateflow engine list|setup|start|stop ...`. */
export async function engineCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help' || rest.includes('-h') || rest.includes('--help')) {
    if (sub === undefined) throw new CliError('stateflow engine: missing what to do (list, setup, start or stop)', ExitCode.Usage, ENGINE_USAGE);
    io.stdout(ENGINE_USAGE);
    return ExitCode.Ok;
  }
  try {
    switch (sub) {
      case 'list':
        if (rest.length > 0) throw new CliError(`stateflow engine list: takes no arguments (got '${rest[0]}')`, ExitCode.Usage, ENGINE_USAGE);
        return list(io);
      case 'setup':
        return await setup(rest, io);
      case 'start':
      case 'stop':
        return await startOrStop(sub, rest, io);
      default:
        throw new CliError(`stateflow engine: unknown subcommand '${sub}' (use list, setup, start or stop)`, ExitCode.Usage, ENGINE_USAGE);
    }
  } catch (err) {
    if (err instanceof UnknownEngineError) {
      throw new CliError(`stateflow engine ${sub}: ${err.message}; stateflow engine list shows them`, ExitCode.Usage);
    }
    if (err instanceof EngineManifestError) throw new CliError(`stateflow engine ${sub}: a broken engine manifest: ${err.message}`, ExitCode.Failed);
    if (err instanceof EngineScriptError) throw new CliError(`stateflow engine ${sub}: ${err.message}`, ExitCode.Failed);
    throw err;
  }
}

function list(io: CliIo): number {
  const engines = listEngines();
  const width = Math.max(...engines.map((e) => e.name.length), 4);
  io.stdout(`engines (cache: ${cacheDir()}):\n`);
  for (const e of engines) {
    const state = isSetUp(e);
    const status = state === undefined ? '' : state ? 'set up     ' : 'not set up ';
    const needs = [e.requires.length ? `requires ${e.requires.join(', ')}` : '', e.tools.length ? `needs ${e.tools.join(', ')}` : ''].filter(Boolean).join('; ');
    io.stdout(`  ${e.name.padEnd(width)}  ${status}${e.description}${needs ? ` (${needs})` : ''}\n`);
  }
  return ExitCode.Ok;
}

async function setup(names: string[], io: CliIo): Promise<number> {
  if (names.length === 0) throw new CliError('stateflow engine setup: name the engine to set up (e.g. stateflow engine setup flink)', ExitCode.Usage, ENGINE_USAGE);
  const bad = names.find((n) => n.startsWith('-'));
  if (bad) throw new CliError(`stateflow engine setup: unknown option '${bad}'`, ExitCode.Usage, ENGINE_USAGE);
  const timings = await setupEngines(names, { onOutput: io.stderr });
  io.stdout(`set up ${timings.map((t) => `${t.name} (${t.seconds.toFixed(1)} s)`).join(', ')} in ${cacheDir()}\n`);
  return ExitCode.Ok;
}

async function startOrStop(what: 'start' | 'stop', argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) throw new CliError(`stateflow engine ${what}: name the engine (e.g. stateflow engine ${what} kafka)`, ExitCode.Usage, ENGINE_USAGE);
  const engine = findEngine(name);
  const script = engine[what];
  if (!script) throw new CliError(`stateflow engine ${what}: the ${name} engine has nothing to ${what} (its backend starts what it needs)`, ExitCode.Usage);
  const stdout = await runEngineScript(script, args, { onOutput: io.stderr });
  io.stdout(stdout);
  return ExitCode.Ok;
}
