import { CliError } from './cli-error.js';
import { ExitCode } from './io.js';

/**
 * The packages only some commands need. The CLI lists them as optional peer
 * dependencies, so `npm install @stateflow/cli` stays small (compile, graph, codegen,
 * build) and the embedded runtime (Pyodide, LMDB, Arrow/Parquet) or an engine client
 * (kafkajs, the AWS SDK) is installed only by whoever runs the command that uses it.
 */
export const OPTIONAL_PACKAGES = {
  '@stateflow/runtime-local': 'the embedded runtime: Pyodide, LMDB',
  'apache-arrow': 'Arrow tables, for state export and import',
  '@stateflow/gateway': 'the HTTP API in front of an engine',
  kafkajs: 'the Kafka client the gateway talks to Flink, Statefun and Beam through',
  '@aws-sdk/client-lambda': 'the AWS Lambda client the gateway invokes Lambda and Cloudburst functions with',
} as const;

/** A package of {@link OPTIONAL_PACKAGES}. */
export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

/** The message when `command` needs `pkg` and it is not installed: what it is and how to install it. */
export function missingPackageMessage(command: string, pkg: OptionalPackage): string {
  return (
    `stateflow ${command}: this command needs the package ${pkg} (${OPTIONAL_PACKAGES[pkg]}), which is not installed.\n` +
    `Install it next to @stateflow/cli and run again:\n` +
    `  npm install ${pkg}      (or: pnpm add ${pkg}, yarn add ${pkg})`
  );
}

/** True when `err` is Node's "cannot find package `pkg`" (not a package that is there but broken). */
export function isMissingPackage(err: unknown, pkg: string): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' && e?.code !== 'MODULE_NOT_FOUND') return false;
  return String(e.message).includes(`'${pkg}'`) || String(e.message).includes(`'${pkg}/`);
}

/**
 * Runs `load` (an `import()` of `pkg` or of a module that imports it) and returns its
 * module. When `pkg` is not installed, throws a {@link CliError} (exit 2, no stack)
 * naming the package to install; any other failure is rethrown as it is.
 */
export async function importOptional<T>(command: string, pkg: OptionalPackage, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isMissingPackage(err, pkg)) throw new CliError(missingPackageMessage(command, pkg), ExitCode.Usage);
    throw err;
  }
}
