import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The local Anna and Cloudburst built by `tools/engines/cloudburst/build.sh`. */
export interface CloudburstEnv {
  /** The `cloudburst.env` file read. */
  file: string;
  /** Anna's source tree with `build/target/kvs/anna-*` and `conf/`. */
  annaHome: string;
  /** Cloudburst's source tree (`cloudburst/server/...`, `conf/`). */
  cloudburstHome: string;
  /** Python 3.7 of the venv with Cloudburst's requirements and Anna's client. */
  python: string;
}

/** Anna and Cloudburst are not built here; the message names the script to run. */
export class CloudburstEnvError extends Error {
  override name = 'CloudburstEnvError';
}

/** `${STATEFLOW_CACHE:-~/.cache/stateflow}`. */
export function stateflowCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['STATEFLOW_CACHE'] || join(homedir(), '.cache', 'stateflow');
}

/**
 * Reads `${STATEFLOW_CACHE:-~/.cache/stateflow}/cloudburst.env`. Throws
 * {@link CloudburstEnvError} naming `tools/engines/cloudburst/build.sh` when it, or what
 * it names, is missing.
 */
export function findCloudburstEnv(env: NodeJS.ProcessEnv = process.env): CloudburstEnv {
  const file = join(stateflowCacheDir(env), 'cloudburst.env');
  const build =
    'run tools/engines/cloudburst/build.sh --src DIR (from the StateFlow repository; DIR holds checkouts of hydro-project/anna, cloudburst and common, and it builds them into the cache)';
  if (!existsSync(file)) throw new CloudburstEnvError(`Cloudburst is not built here: ${file} does not exist; ${build}`);
  const values: { [name: string]: string } = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) values[m[1]!] = m[2]!.trim();
  }
  const annaHome = values['ANNA_HOME'] ?? '';
  const cloudburstHome = values['CLOUDBURST_HOME'] ?? '';
  const python = values['CLOUDBURST_PYTHON'] ?? '';
  if (!existsSync(join(annaHome, 'build', 'target', 'kvs', 'anna-kvs'))) throw new CloudburstEnvError(`Anna's programs (ANNA_HOME in ${file}) are missing; ${build}`);
  if (!existsSync(join(cloudburstHome, 'cloudburst', 'server', 'executor', 'server.py'))) throw new CloudburstEnvError(`Cloudburst (CLOUDBURST_HOME in ${file}) is missing; ${build}`);
  if (!existsSync(python)) throw new CloudburstEnvError(`Cloudburst's Python (CLOUDBURST_PYTHON in ${file}) is missing; ${build}`);
  return { file, annaHome, cloudburstHome, python };
}
