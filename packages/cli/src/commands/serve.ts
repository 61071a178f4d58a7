import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Program } from '@stateflow/ir';
import type { HttpServer, LocalRuntime, Logger, LogLevel, PythonHost, PythonHostKind, RequestLogEntry } from '@stateflow/runtime-local';
import { CliError } from '../cli-error.js';
import { exampleCreateCurl } from '../example-request.js';
import { ExitCode, type CliIo } from '../io.js';
import { loadProgram } from '../load-program.js';
import { importOptional } from '../optional-package.js';
import { checkChoice, parseCommandArgs } from '../parse-command-args.js';
import { renderDiagnosticsText } from '../render-diagnostics.js';
import { checkPortFree, reportStartup } from '../serve-startup.js';
import { USAGE } from '../usage.js';

/** The embedded runtime, loaded only by the commands that run programs on it (an optional peer). */
export type RuntimeLocal = typeof import('@stateflow/runtime-local');

/** Loads `@stateflow/runtime-local`, or says to install it. */
export function loadRuntimeLocal(command: string): Promise<RuntimeLocal> {
  return importOptional(command, '@stateflow/runtime-local', () => import('@stateflow/runtime-local'));
}

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
    {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'python-host': { type: 'string' },
      workers: { type: 'string' },
      'data-dir': { type: 'string' },
      'in-memory': { type: 'boolean' },
      'no-resume-detached': { type: 'boolean' },
      token: { type: 'string' },
      'allowed-host': { type: 'string', multiple: true },
      'cors-origin': { type: 'string', multiple: true },
      'max-body-bytes': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'max-memory-mb': { type: 'string' },
      'log-format': { type: 'string' },
      'log-level': { type: 'string' },
    },
    USAGE.serve,
  );
  if (help) {
    io.stdout(USAGE.serve);
    return ExitCode.Ok;
  }
  const rt = await loadRuntimeLocal('serve');
  const { createBrowserSafety, createLogger, LOG_LEVELS, PYTHON_HOST_KINDS } = rt;
  const port = parsePort(values.port ?? '8080');
  const bind = values.host ?? '127.0.0.1';
  const kind = values['python-host'] ?? 'pyodide';
  checkChoice('serve', 'python-host', kind, PYTHON_HOST_KINDS, USAGE.serve);
  const logFormat = values['log-format'] ?? 'pretty';
  checkChoice('serve', 'log-format', logFormat, ['pretty', 'json'], USAGE.serve);
  const logLevel = values['log-level'] ?? 'info';
  checkChoice('serve', 'log-level', logLevel, LOG_LEVELS, USAGE.serve);
  if (values['in-memory'] && values['data-dir'] !== undefined) {
    throw new CliError('stateflow serve: --in-memory and --data-dir exclude each other; pick one', ExitCode.Usage, USAGE.serve);
  }
  const settings: ServeSettings = {
    workers: parseCount('workers', values.workers, availableParallelism(), 1),
    dataDir: values['in-memory'] ? undefined : resolve(values['data-dir'] ?? defaultDataDir(file!)),
    token: readToken(values.token, process.env['STATEFLOW_TOKEN']),
    allowedHosts: values['allowed-host'] ?? [],
    corsOrigins: values['cors-origin'] ?? [],
    maxBodyBytes: parseCount('max-body-bytes', values['max-body-bytes'], 1024 * 1024, 1),
    timeoutMs: parseCount('timeout-ms', values['timeout-ms'], 10_000, 0),
    maxMemoryMb: parseCount('max-memory-mb', values['max-memory-mb'], 2048, 0),
    resumeDetached: values['no-resume-detached'] !== true,
    logger: createLogger({ format: logFormat as 'pretty' | 'json', level: logLevel as LogLevel, write: io.stderr }),
    json: logFormat === 'json',
  };

  try {
    createBrowserSafety({ bindHost: bind, allowedHosts: settings.allowedHosts, corsOrigins: settings.corsOrigins });
  } catch (err) {
    throw new CliError(`stateflow serve: ${(err as Error).message}`, 2, USAGE.serve);
  }

  await checkPortFree(bind, port);
  reportStartup(settings.logger, 'loading', { file });
  const { program, diagnostics } = await loadProgram(file!);
  if (!program) {
    io.stderr(renderDiagnosticsText(diagnostics));
    return ExitCode.ProgramErrors;
  }
  if (diagnostics.length > 0) io.stderr(renderDiagnosticsText(diagnostics));

  const { runtime, server } = await startServing(rt, program, file!, kind as PythonHostKind, port, bind, settings);
  // Listen for signals before announcing the URL: a client may signal as soon as it reads it.
  const stopped = stop();
  const names = runtime.entityNames;
  io.stdout(`StateFlow serving ${file} (entities: ${names.join(', ')}) on ${server.url}\n`);
  const first = program.entities[0];
  if (first) io.stdout(`try: ${exampleCreateCurl(server.url, first)}\n`);

  settings.logger.log('info', 'serving', {
    url: server.url,
    host: kind,
    workers: settings.workers,
    state: settings.dataDir ?? 'in memory',
    auth: settings.token ? 'token' : 'none',
  });
  if (!settings.token && !(await bindsLoopbackOnly(bind))) {
    settings.logger.log(
      'warn',
      `serving on ${bind} without a token: anyone who can reach this address can call every method and read every state; ` +
        'require a token with --token <secret> (or STATEFLOW_TOKEN), or bind --host 127.0.0.1',
    );
  }
  const signal = await stopped;
  if (settings.json) settings.logger.log('info', 'stopping', { signal });
  else io.stderr(`${signal}: stopping\n`);
  await server.close();
  await runtime.stop();
  return ExitCode.Ok;
}

/** Checks a `--port` value (0 to 65535). */
export function parsePort(text: string, command: 'serve' | 'run' = 'serve'): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new CliError(`stateflow ${command}: --port must be a number from 0 to 65535 (got '${text}')`, ExitCode.Usage, command === 'serve' ? USAGE.serve : undefined);
  }
  return port;
}

/**
 * The bearer token from `--token`, else `STATEFLOW_TOKEN`. An empty one is a mistake
 * (an unset variable in a script), not a request to serve without auth: refused.
 */
function readToken(flag: string | undefined, env: string | undefined): string | undefined {
  if (flag !== undefined) {
    if (flag.trim() === '') {
      throw new CliError('stateflow serve: --token is empty; give a secret (e.g. --token "$(openssl rand -hex 16)"), or leave --token out to serve without auth', 2, USAGE.serve);
    }
    return flag;
  }
  if (env !== undefined && env.trim() === '') {
    throw new CliError('stateflow serve: STATEFLOW_TOKEN is set but empty; set it to a secret, or unset it (unset STATEFLOW_TOKEN) to serve without auth', 2, USAGE.serve);
  }
  return env;
}

/** Whether binding `host` only accepts connections from this machine (a name counts when all its addresses do). */
export async function bindsLoopbackOnly(host: string): Promise<boolean> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const loopback = (address: string) => address === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/i.test(address);
  if (isIP(bare) !== 0) return loopback(bare);
  try {
    const addresses = await lookup(bare, { all: true });
    return addresses.length > 0 && addresses.every((a) => loopback(a.address));
  } catch {
    return false;
  }
}

/** The production settings of `serve`, from its flags. */
interface ServeSettings {
  workers: number;
  /** Durable store directory, or undefined for in-memory state. */
  dataDir: string | undefined;
  token: string | undefined;
  /** `--allowed-host` names (Host header allow-list). */
  allowedHosts: string[];
  /** `--cors-origin` origins allowed to call from a browser. */
  corsOrigins: string[];
  maxBodyBytes: number;
  timeoutMs: number;
  maxMemoryMb: number;
  /** Run callers' detached resume blocks where the callee ran (`LocalRuntime` option `resumeDetached`). */
  resumeDetached: boolean;
  logger: Logger;
  json: boolean;
}

/** `.stateflow-data/<app name>` next to the program file (`shop/app.py` → `shop/.stateflow-data/app`). */
export function defaultDataDir(file: string): string {
  const name = basename(file).replace(/\.ir\.json$|\.json$|\.py$/, '') || 'app';
  return join(dirname(file), '.stateflow-data', name);
}

function parseCount(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min) {
    throw new CliError(`stateflow serve: --${flag} must be a whole number of at least ${min} (got '${text}')`, ExitCode.Usage, USAGE.serve);
  }
  return n;
}

async function startServing(
  rt: RuntimeLocal,
  program: Program,
  file: string,
  kind: PythonHostKind,
  port: number,
  bind: string,
  settings: ServeSettings,
): Promise<{ runtime: LocalRuntime; server: HttpServer }> {
  const { createPythonHost, DataDirError, LocalRuntime, startHttpServer } = rt;
  const { logger } = settings;
  let host: PythonHost;
  reportStartup(logger, 'host', { kind, workers: settings.workers });
  try {
    host = await createPythonHost({
      kind,
      workers: settings.workers,
      timeoutMs: settings.timeoutMs,
      maxMemoryMb: settings.maxMemoryMb,
      onRestart: (label, reason) => logger.log('warn', 'python worker restarted', { worker: label, reason }),
    });
  } catch (err) {
    throw new CliError(`stateflow serve: cannot start the ${kind} Python host: ${(err as Error).message}`, ExitCode.Failed);
  }
  let runtime: LocalRuntime;
  reportStartup(logger, 'store', settings.dataDir ? { dir: settings.dataDir } : { state: 'in memory' });
  try {
    runtime = await LocalRuntime.start(program, {
      host,
      closeHostOnStop: true,
      logger,
      resumeDetached: settings.resumeDetached,
      ...(settings.dataDir ? { dataDir: settings.dataDir } : {}),
    });
  } catch (err) {
    await host.close().catch(() => undefined);
    // A data directory that is locked, not writable, damaged...: its own one-line message.
    if (err instanceof DataDirError) throw new CliError(`stateflow serve: ${err.message}`, ExitCode.Failed);
    throw new CliError(`stateflow serve: cannot start ${file} on the ${kind} Python host: ${(err as Error).message}`, ExitCode.Failed);
  }
  try {
    const server = await startHttpServer(runtime, {
      port,
      host: bind,
      maxBodyBytes: settings.maxBodyBytes,
      ...(settings.token ? { token: settings.token } : {}),
      allowedHosts: settings.allowedHosts,
      corsOrigins: settings.corsOrigins,
      onRequest: settings.json
        ? (entry) =>
            logger.log(entry.status >= 500 ? 'error' : 'info', 'request', {
              method: entry.method,
              path: entry.path,
              route: entry.route,
              status: entry.status,
              durationMs: Math.round(entry.durationMs * 1000) / 1000,
              errorType: entry.errorType,
              idempotencyKey: entry.idempotencyKey,
            })
        : (entry) => logger.log('info', formatLogLine(entry).trimEnd()),
    });
    describeOwner(rt, runtime, server.url);
    reportStartup(logger, 'listening', { url: server.url });
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
    throw new CliError(`stateflow serve: cannot listen on ${bind}:${port}: ${reason}`, ExitCode.Failed);
  }
}

/** Names this server in the data directory's lock, for the message of another process that finds it locked. */
function describeOwner(rt: RuntimeLocal, runtime: LocalRuntime, url: string): void {
  if (!(runtime.store instanceof rt.LmdbStateStore)) return;
  try {
    runtime.store.describeOwner({ command: 'stateflow serve', url });
  } catch {
    // The lock holds without the URL; the message then names the pid only.
  }
}

/** One access-log line, e.g. `POST /Item/coke/update_stock 200 3ms`. */
export function formatLogLine(entry: RequestLogEntry): string {
  const error = entry.errorType ? ` ${entry.errorType}` : '';
  return `${entry.method} ${entry.path} ${entry.status}${error} ${Math.round(entry.durationMs)}ms\n`;
}
