import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The local Lambda stand-in written by `stateflow engine setup lambda` (`tools/engines/lambda/setup.sh`). */
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

/** `${STATEFLOW_CACHE:-${XDG_CACHE_HOME:-~/.cache}/stateflow}`, where `stateflow engine setup` installs. */
export function stateflowCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  return env['STATEFLOW_CACHE'] || join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'stateflow');
}

/**
 * Reads `${STATEFLOW_CACHE:-~/.cache/stateflow}/lambda.env`. Throws {@link LambdaEnvError}
 * saying to run `stateflow engine setup lambda` when it or what it names is missing.
 */
export function findLambdaEnv(env: NodeJS.ProcessEnv = process.env): LambdaEnv {
  const file = join(stateflowCacheDir(env), 'lambda.env');
  const setup = 'run: stateflow engine setup lambda (it builds the Lambda emulator and a venv with awslambdaric, boto3 and moto in the cache; in the StateFlow repository tools/engines/lambda/setup.sh does the same)';
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
