import type { Program } from '@stateflow/ir';
import { createPythonHost, type PythonHost } from '@stateflow/python-host';
import { LocalRuntime, startHttpServer, type HttpServer, type RequestLogEntry } from '@stateflow/runtime-local';
import { CliError } from '../cli-error.js';
import { exampleCreateCurl } from '../example-request.js';
import { ExitCode, type CliIo } from '../io.js';
import { loadProgram } from '../load-program.js';
import { checkChoice, parseCommandArgs } from '../parse-command-args.js';
import { renderDiagnosticsText } from '../render-diagnostics.js';
import { USAGE } from '../usage.js';

/** The Python hosts `serve` can run the kernel on. */
export const PYTHON_HOST_KINDS = ['pyodide', 'subprocess'] as const;

/** Resolves when the process is asked to stop; injectable for tests. */
export type StopSignal = () => Promise<string>;

/** Waits for SIGINT or SIGTERM. */
export const waitForSignal: StopSignal = () =>
  new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });

/** `stateflow serve <app.py> [--port 8080] [--host 127.0.0.1] [--python-host pyodide|subprocess]`. */
export async function serveCommand(argv: string[], io: CliIo, stop: StopSignal = waitForSignal): Promise<number> {
  const { values, file, help } = parseCommandArgs(
    'serve',
    argv,
    { port: { type: 'string', short: 'p' }, host: { type: 'string' }, 'python-host': { type: 'string' } },
    USAGE.serve,
  );
  if (help) {
    io.stdout(USAGE.serve);
    return ExitCode.Ok;
  }
  const port = parsePort(values.port ?? '8080');
  const bind = values.host ?? '127.0.0.1';
  const kind = values['python-host'] ?? 'pyodide';
  checkChoice('serve', 'python-host', kind, PYTHON_HOST_KINDS, USAGE.serve);

  const { program, diagnostics } = await loadProgram(file!);
  if (!program) {
    io.stderr(renderDiagnosticsText(diagnostics));
    return ExitCode.ProgramErrors;
  }
  if (diagnostics.length > 0) io.stderr(renderDiagnosticsText(diagnostics));

  const { runtime, server } = await startServing(program, file!, kind as (typeof PYTHON_HOST_KINDS)[number], port, bind, io);
  // Listen for signals before announcing the URL: a client may signal as soon as it reads it.
  const stopped = stop();
  const names = runtime.entityNames;
  io.stdout(`StateFlow serving ${file} (entities: ${names.join(', ')}) on ${server.url}\n`);
  const first = program.entities[0];
  if (first) io.stdout(`try: ${exampleCreateCurl(server.url, first)}\n`);

  const signal = await stopped;
  io.stderr(`${signal}: stopping\n`);
  await server.close();
  await runtime.stop();
  return ExitCode.Ok;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new CliError(`stateflow serve: --port must be a number from 0 to 65535 (got '${text}')`, 2, USAGE.serve);
  }
  return port;
}

async function startServing(
  program: Program,
  file: string,
  kind: (typeof PYTHON_HOST_KINDS)[number],
  port: number,
  bind: string,
  io: CliIo,
): Promise<{ runtime: LocalRuntime; server: HttpServer }> {
  let host: PythonHost;
  try {
    host = await createPythonHost({ kind });
  } catch (err) {
    throw new CliError(`stateflow serve: cannot start the ${kind} Python host: ${(err as Error).message}`, 1);
  }
  let runtime: LocalRuntime;
  try {
    runtime = await LocalRuntime.start(program, { host, closeHostOnStop: true });
  } catch (err) {
    await host.close().catch(() => undefined);
    throw new CliError(`stateflow serve: cannot load ${file} into the ${kind} Python host: ${(err as Error).message}`, 1);
  }
  try {
    const server = await startHttpServer(runtime, { port, host: bind, onRequest: (entry) => io.stderr(formatLogLine(entry)) });
    return { runtime, server };
  } catch (err) {
    await runtime.stop();
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'EADDRINUSE'
        ? `port ${port} is already in use; pick another with --port (0 picks a free one)`
        : code === 'EADDRNOTAVAIL'
          ? `address ${bind} is not available on this machine; try --host 127.0.0.1`
          : (err as Error).message;
    throw new CliError(`stateflow serve: cannot listen on ${bind}:${port}: ${reason}`, 1);
  }
}

/** One access-log line, e.g. `POST /Item/coke/update_stock 200 3ms`. */
export function formatLogLine(entry: RequestLogEntry): string {
  const error = entry.errorType ? ` ${entry.errorType}` : '';
  return `${entry.method} ${entry.path} ${entry.status}${error} ${Math.round(entry.durationMs)}ms\n`;
}
