import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { constants as osConstants, homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Backend, BackendArtifact, Diagnostic, Program } from '@stateflow/ir';
import { CliError } from '../cli-error.js';
import { ExitCode, type CliIo } from '../io.js';
import { loadProgram } from '../load-program.js';
import { readSettings, renderSettings, settingFlags, type SettingValues } from '../backend-settings.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { backendPackages } from '../backend-package.js';
import { renderDiagnosticsText } from '../render-diagnostics.js';
import { loadGateway, startRunGateway, type RunGateway, type RunGatewaySettings } from './run-gateway.js';
import { parsePort, waitForSignal, type StopSignal } from './serve.js';

const SETTINGS_NOTE = `Settings: each backend declares its own (names, types, defaults). With --target,
--help lists them: stateflow build --target flink --help. Any setting is also
--set <name=value> (repeatable).
`;

/** A backend and the package it came from. */
export interface LoadedBackend {
  backend: Backend;
  packageName: string;
}

/** Usage of `stateflow build`, with the settings of `loaded` when it is known. */
export function buildUsage(loaded?: LoadedBackend): string {
  return `Usage: stateflow build <app.py> --target <name> --out <dir> [settings]

Compiles the program and writes a deployable artifact for an engine. --target flink
writes a PyFlink job directory (job.py, stateflow-job.json, program.ir.json, python/,
README.md). The backend is the package @stateflow/backend-<name>, else
stateflow-backend-<name>; --target @scope/package names a backend's package exactly.

${loaded ? renderSettings(loaded.backend, loaded.packageName) : SETTINGS_NOTE}
Exit status: 0 built, 1 the program has errors or cannot run on the target, 2 wrong usage
or the backend package is not installed.
`;
}

/** Usage of `stateflow run`, with the settings of `loaded` when it is known. */
export function runUsage(loaded?: LoadedBackend): string {
  return `Usage: stateflow run <app.py> --target <name> [--fresh] [--port 8080] [--host 127.0.0.1] [--token <t>] [settings]

Builds the program for the target into the cache (\${STATEFLOW_CACHE:-~/.cache/stateflow}/apps/, XDG_CACHE_HOME-aware)
and starts it locally; for flink: creates the Kafka topics and starts the job on a local
Flink mini-cluster, resuming from the last retained checkpoint; for beam: the pipeline
on Prism, state in memory. Set the engine up once with stateflow engine setup flink (or beam), and start Kafka with stateflow engine start kafka. It also serves the HTTP API of stateflow serve in front of it (a
gateway: each HTTP call is a request through Kafka). Ctrl-C stops both.

Options:
  --fresh            forget the state of earlier runs (delete the retained checkpoints)
  -p, --port <n>     HTTP port of the gateway (default 8080; 0 picks a free one; 'none': no gateway)
  --host <addr>      interface the gateway binds (default 127.0.0.1)
  --token <t>        require Authorization: Bearer <t> (default: $STATEFLOW_TOKEN)
  --allowed-host <h> another name clients may use in Host (repeatable), as for serve
  --cors-origin <o>  an origin whose pages may call the gateway (repeatable), as for serve

${loaded ? renderSettings(loaded.backend, loaded.packageName) : SETTINGS_NOTE}
Exit status: 0 stopped cleanly, 1 the program has errors or the job failed, 2 wrong usage
or the backend package is not installed.
`;
}

/** Usage of `stateflow build` without a target. */
export const BUILD_USAGE = buildUsage();
/** Usage of `stateflow run` without a target. */
export const RUN_USAGE = runUsage();

/** The options every target command has; a backend's settings add their flags. */
const OPTIONS = {
  target: { type: 'string', short: 't' },
  out: { type: 'string', short: 'o' },
  set: { type: 'string', multiple: true },
  fresh: { type: 'boolean' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  token: { type: 'string' },
  'allowed-host': { type: 'string', multiple: true },
  'cors-origin': { type: 'string', multiple: true },
} as const;

/**
 * Parses the arguments of `build`/`run`: finds `--target` first, loads that backend,
 * then parses strictly with its settings' flags. Without a target, parses the common
 * options (so `--help` works) and leaves the backend undefined.
 */
async function parseTargetArgs(command: 'build' | 'run', argv: string[]) {
  const usage = command === 'build' ? buildUsage : runUsage;
  const { values: loose } = parseArgs({ args: argv, options: { target: OPTIONS.target }, strict: false, allowPositionals: true });
  const target = typeof loose['target'] === 'string' ? loose['target'] : undefined;
  const loaded = target === undefined ? undefined : await loadBackend(target, command);
  const backend = loaded?.backend;
  const options = { ...(backend ? settingFlags(backend) : {}), ...OPTIONS };
  const { values, file, help } = parseCommandArgs(command, argv, options, usage(loaded));
  return { values: values as { [name: string]: unknown } & typeof values, file, help, backend, usage: usage(loaded) };
}

/** Imports `name` from the CLI's own dependencies, else from the current directory's `node_modules`. */
async function importInstalled(name: string): Promise<{ backend?: Backend } | undefined> {
  try {
    return (await import(name)) as { backend?: Backend };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' || !String((err as Error).message).includes(name)) throw err;
  }
  let path: string;
  try {
    path = createRequire(join(process.cwd(), 'package.json')).resolve(name);
  } catch {
    return undefined;
  }
  return (await import(pathToFileURL(path).href)) as { backend?: Backend };
}

/**
 * Loads the backend a `--target` names (see {@link backendPackages}): the first of its
 * candidate packages that is installed. Throws {@link CliError} (exit 2) naming the
 * packages to install when none is.
 */
export async function loadBackend(target: string, command: string): Promise<LoadedBackend> {
  const packages = backendPackages(target);
  if (!packages) {
    throw new CliError(
      `stateflow ${command}: --target must be a backend name such as flink, or a backend's package name such as @acme/stateflow-backend (got '${target}')`,
      ExitCode.Usage,
    );
  }
  for (const name of packages) {
    const mod = await importInstalled(name);
    if (!mod) continue;
    if (!mod.backend || typeof mod.backend.build !== 'function') {
      throw new CliError(`stateflow ${command}: ${name} does not export a backend (export const backend = defineBackend({...}))`, ExitCode.Usage);
    }
    return { backend: mod.backend, packageName: name };
  }
  const [first, ...others] = packages;
  const which = others.length > 0 ? `${first} (or ${others.join(', ')})` : first;
  throw new CliError(
    `stateflow ${command}: the '${target}' target needs the package ${which}, which is not installed; install it next to the CLI (e.g. pnpm add -D ${first}) and run again`,
    ExitCode.Usage,
  );
}

async function compileFor(file: string, io: CliIo): Promise<Program | undefined> {
  const { program, diagnostics } = await loadProgram(file);
  if (!program) {
    io.stderr(renderDiagnosticsText(diagnostics));
    return undefined;
  }
  if (diagnostics.length > 0) io.stderr(renderDiagnosticsText(diagnostics));
  return program;
}

async function buildWith(
  backend: Backend,
  program: Program,
  outDir: string,
  config: SettingValues,
  command: string,
  io: CliIo,
): Promise<BackendArtifact | undefined> {
  try {
    return await backend.build(program, { outDir, config }, { log: (m) => io.stderr(`${m}\n`) });
  } catch (err) {
    const e = err as Error & { diagnostics?: Diagnostic[] };
    if (Array.isArray(e.diagnostics) && e.diagnostics.length > 0) {
      io.stderr(renderDiagnosticsText(e.diagnostics));
      return undefined;
    }
    if (/ConfigError$/.test(e.name)) throw new CliError(`stateflow ${command}: ${e.message}`, ExitCode.Usage);
    throw err;
  }
}

/** `stateflow build <app.py> --target <name> --out <dir> [settings]`. */
export async function buildCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, file, help, backend, usage } = await parseTargetArgs('build', argv);
  if (help) {
    io.stdout(usage);
    return ExitCode.Ok;
  }
  if (!backend) throw new CliError('stateflow build: missing --target (e.g. --target flink)', ExitCode.Usage, usage);
  if (!values.out) throw new CliError('stateflow build: missing --out <dir> (where the artifact is written)', ExitCode.Usage, usage);
  if (values.fresh) throw new CliError('stateflow build: --fresh is an option of stateflow run', ExitCode.Usage, usage);
  const config = readSettings(backend, values, 'build', usage);
  for (const flag of ['port', 'host', 'token', 'allowed-host', 'cors-origin'] as const) {
    if (values[flag] !== undefined) throw new CliError(`stateflow build: --${flag} is an option of stateflow run`, ExitCode.Usage, usage);
  }
  const program = await compileFor(file!, io);
  if (!program) return ExitCode.ProgramErrors;
  const artifact = await buildWith(backend, program, values.out as string, config, 'build', io);
  if (!artifact) return ExitCode.ProgramErrors;
  io.stdout(`built ${file} for ${backend.name} in ${artifact.outDir} (${artifact.files.length} files)\n`);
  return ExitCode.Ok;
}

/** Where `stateflow run` builds: one folder per target and program file. */
export function runDir(target: string, file: string, env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  const cache = env['STATEFLOW_CACHE'] || join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'stateflow');
  const id = createHash('sha256').update(resolve(file)).digest('hex').slice(0, 12);
  const base = resolve(file).split(/[\\/]/).slice(-2).join('-').replace(/[^A-Za-z0-9._-]+/g, '-');
  return join(cache, 'apps', `${target}-${base}-${id}`);
}

/** `stateflow run <app.py> --target <name> [--fresh] [settings]`. */
export async function runCommand(argv: string[], io: CliIo, stop: StopSignal = waitForSignal): Promise<number> {
  const { values, file, help, backend, usage } = await parseTargetArgs('run', argv);
  if (help) {
    io.stdout(usage);
    return ExitCode.Ok;
  }
  if (!backend) throw new CliError('stateflow run: missing --target (e.g. --target flink)', ExitCode.Usage, usage);
  if (values.out) throw new CliError('stateflow run: --out is an option of stateflow build (run builds into the cache)', ExitCode.Usage, usage);
  const config = readSettings(backend, values, 'run', usage);
  const http = await gatewaySettings(values);
  if (!backend.run) throw new CliError(`stateflow run: the ${backend.name} backend cannot run programs locally; use stateflow build`, ExitCode.Usage);
  const program = await compileFor(file!, io);
  if (!program) return ExitCode.ProgramErrors;
  const dir = runDir(backend.name, file!);
  if (values.fresh) await rm(join(dir, 'checkpoints'), { recursive: true, force: true });
  io.stderr(`building ${file} for ${backend.name} in ${dir}\n`);
  const artifact = await buildWith(backend, program, dir, config, 'run', io);
  if (!artifact) return ExitCode.ProgramErrors;
  const stopped = stop();
  io.stderr(`starting (Ctrl-C stops it)\n`);
  let deployment;
  try {
    deployment = await backend.run(artifact, { log: (m) => io.stderr(`${m}\n`) });
  } catch (err) {
    const e = err as Error;
    throw new CliError(`stateflow run: ${e.message}`, ExitCode.Failed);
  }
  let gateway: RunGateway | undefined;
  if (http && deployment.clientAccess) {
    try {
      gateway = await startRunGateway(program, deployment.clientAccess, http, io);
    } catch (err) {
      await deployment.stop();
      throw err;
    }
  }
  io.stdout(`StateFlow running ${file} on ${backend.name} (entities: ${program.entities.map((e) => e.name).join(', ')})${gateway ? ` at ${gateway.url}` : ''}\n`);
  const outcome = await Promise.race([stopped.then((s) => ({ signal: s })), deployment.done.then((code) => ({ code }))]);
  await gateway?.close();
  if ('signal' in outcome) {
    io.stderr(`${outcome.signal}: stopping\n`);
    const code = await deployment.stop();
    io.stderr(`stopped (exit ${code})\n`);
    return code === 0 ? ExitCode.Ok : ExitCode.Failed;
  }
  io.stderr(`the ${backend.name} job ${howItEnded(outcome.code)}; see the logs in ${dir}/logs\n`);
  return ExitCode.Failed;
}

/** How a deployment that was not asked to stop ended: killed by a signal, or exited. */
export function howItEnded(code: number): string {
  const signal = code > 128 ? Object.entries(osConstants.signals).find(([, n]) => n === code - 128)?.[0] : undefined;
  return signal ? `was killed (${signal}, exit ${code})` : `ended without being asked to stop (exit ${code})`;
}

/** The HTTP gateway's settings of `stateflow run` (the rules of `stateflow serve`), or undefined for `--port none`. */
async function gatewaySettings(values: {
  port?: string;
  host?: string;
  token?: string;
  'allowed-host'?: string[];
  'cors-origin'?: string[];
}): Promise<RunGatewaySettings | undefined> {
  if (values.port === 'none') return undefined;
  const { createBrowserSafety } = await loadGateway('run');
  const env = process.env['STATEFLOW_TOKEN'];
  if (values.token !== undefined && values.token.trim() === '') {
    throw new CliError('stateflow run: --token is empty; give a secret, or leave --token out to serve without auth', ExitCode.Usage, RUN_USAGE);
  }
  if (values.token === undefined && env !== undefined && env.trim() === '') {
    throw new CliError('stateflow run: STATEFLOW_TOKEN is set but empty; set it to a secret, or unset it to serve without auth', ExitCode.Usage, RUN_USAGE);
  }
  const host = values.host ?? '127.0.0.1';
  const allowedHosts = values['allowed-host'] ?? [];
  const corsOrigins = values['cors-origin'] ?? [];
  try {
    createBrowserSafety({ bindHost: host, allowedHosts, corsOrigins });
  } catch (err) {
    throw new CliError(`stateflow run: ${(err as Error).message}`, ExitCode.Usage, RUN_USAGE);
  }
  return { port: parsePort(values.port ?? '8080', 'run'), host, token: values.token ?? env, allowedHosts, corsOrigins, timeoutMs: 30_000 };
}
