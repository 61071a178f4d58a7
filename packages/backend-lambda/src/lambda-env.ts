import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The local Lambda stand-in written by `tools/engines/lambda/setup.sh`. */
export interface LambdaEnv {
  /** The `lambda.env` file read. */
  file: string;
  /** The runtime interface emulator binary. */
  rie: string;
  /** Python of the venv with awslambdaric, boto3 and moto. */
  python: string;
  /** cfn-lint of that venv. */
  cfnLint?: string;
}

/** The stand-in is not set up here; the message names the script to run. */
export class LambdaEnvError extends Error {
  override name = 'LambdaEnvError';
}

/** `${STATEFLOW_CACHE:-~/.cache/stateflow}`. */
export function stateflowCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['STATEFLOW_CACHE'] || join(homedir(), '.cache', 'stateflow');
}

/**
 * Reads `${STATEFLOW_CACHE:-~/.cache/stateflow}/lambda.env`. Throws {@link LambdaEnvError}
 * saying to run `tools/engines/lambda/setup.sh` when it or what it names is missing.
 */
export function findLambdaEnv(env: NodeJS.ProcessEnv = process.env): LambdaEnv {
  const file = join(stateflowCacheDir(env), 'lambda.env');
  const setup = 'run tools/engines/lambda/setup.sh (from the StateFlow repository; it builds the Lambda emulator and a venv with awslambdaric, boto3 and moto in the cache)';
  if (!existsSync(file)) throw new LambdaEnvError(`the local Lambda stand-in is not set up: ${file} does not exist; ${setup}`);
  const values: { [name: string]: string } = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) values[m[1]!] = m[2]!.trim();
  }
  const rie = values['LAMBDA_RIE'];
  const python = values['LAMBDA_PYTHON'];
  if (!rie || !existsSync(rie)) throw new LambdaEnvError(`the Lambda emulator (LAMBDA_RIE in ${file}) is missing; ${setup}`);
  if (!python || !existsSync(python)) throw new LambdaEnvError(`the Lambda venv's Python (LAMBDA_PYTHON in ${file}) is missing; ${setup}`);
  return { file, rie, python, ...(values['CFN_LINT'] ? { cfnLint: values['CFN_LINT'] } : {}) };
}
