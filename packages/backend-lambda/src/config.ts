import { readSettings, type BackendSettings, type Program, programSlug } from '@stateflow/ir';

/**
 * The function's settings, written to `stateflow-lambda.json` in the artifact. The
 * template's parameters carry what differs per deployment (names, region); these are
 * the defaults of its parameters and the settings of local runs.
 */
export interface LambdaConfig {
  /** Default of the template's `FunctionName` and `TableName` parameters' prefix. */
  name: string;
  /** Memory of the function in MB (128–10240). */
  memorySize: number;
  /** Timeout of one invocation in seconds (1–900). */
  timeoutSeconds: number;
  /** Add an HTTP API (API Gateway) in front of the function. */
  httpApi: boolean;
  /** Longest call chain (events per request) before the request fails. */
  maxHops: number;
  /** How long request ids are remembered (DynamoDB time to live). */
  dedupTtlSeconds: number;
  /** Local runs: emulators in the pool (concurrent invocations). */
  emulators: number;
  /** Local runs: port of the Lambda Invoke API (the dispatcher) on 127.0.0.1. */
  invokePort: number;
  /** Local runs: port of the DynamoDB-compatible store on 127.0.0.1. */
  storePort: number;
}

/** The settings `build` reads (`--set name=value`, or the flag). */
export const LAMBDA_SETTINGS: BackendSettings = {
  name: { help: 'default name of the function and prefix of the table name', type: 'string', placeholder: 'name' },
  memorySize: { help: 'memory of the function in MB', type: 'integer', min: 128, default: 512 },
  timeoutSeconds: { help: 'timeout of one invocation in seconds', type: 'integer', min: 1, default: 30 },
  httpApi: { help: 'add an HTTP API (API Gateway) in front of the function', type: 'boolean', default: false },
  maxHops: { help: 'longest call chain before a request fails', type: 'integer', min: 1, default: 10000 },
  dedupTtlSeconds: { help: 'how long request ids are remembered', type: 'integer', min: 60, default: 86400 },
  emulators: { help: 'local runs: emulators in the pool (concurrent invocations)', type: 'integer', min: 1, default: 2, flag: 'emulators' },
  invokePort: { help: 'local runs: port of the Lambda Invoke API on 127.0.0.1', type: 'integer', min: 1, default: 9100 },
  storePort: { help: 'local runs: port of the DynamoDB-compatible store on 127.0.0.1', type: 'integer', min: 1, default: 18000 },
};

/** Flat overrides, as the CLI and `BackendBuildOptions.config` pass them. */
export type LambdaConfigOverrides = { [name: string]: string | number | boolean | undefined };

/** An override that is not valid; the message says which setting and why. */
export class LambdaConfigError extends Error {
  override name = 'LambdaConfigError';
}

/** A name usable for the function and table: the module name, `[A-Za-z0-9-]`. */
export function deploymentName(program: Program): string {
  return `stateflow-${programSlug(program)}`;
}

/** The largest value of an integer setting that has one (Lambda's limits, TCP ports). */
const MAX: { [name: string]: number } = { memorySize: 10_240, timeoutSeconds: 900, invokePort: 65_535, storePort: 65_535 };

/** The default configuration with `overrides` applied (see {@link LAMBDA_SETTINGS}). */
export function resolveLambdaConfig(program: Program, overrides: LambdaConfigOverrides = {}): LambdaConfig {
  const config: LambdaConfig = {
    name: deploymentName(program),
    memorySize: 512,
    timeoutSeconds: 30,
    httpApi: false,
    maxHops: 10_000,
    dedupTtlSeconds: 86_400,
    emulators: 2,
    invokePort: 9100,
    storePort: 18000,
  };
  const read = readSettings(LAMBDA_SETTINGS, overrides, (message) => new LambdaConfigError(message));
  return Object.assign(config, read.given({ max: MAX, format: { pattern: /^[A-Za-z0-9-]{1,40}$/, expected: "1-40 letters, digits or '-'" } }));
}
