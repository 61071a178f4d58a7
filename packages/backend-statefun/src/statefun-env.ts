import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The local Statefun installation written by `tools/engines/statefun/setup.sh`. */
export interface StatefunEnv {
  /** The `statefun.env` file read. */
  file: string;
  /** Folder of the Statefun 3.3 + Flink 1.16 jars (the classpath). */
  libs: string;
  /** The launcher and ingress-kind jar. */
  launcherJar: string;
  /** Python with the Statefun SDK and aiohttp (the function service's). */
  python: string;
  version?: string;
}

/** Statefun is not set up here; the message names the script to run. */
export class StatefunEnvError extends Error {
  override name = 'StatefunEnvError';
}

/**
 * Reads `${STATEFLOW_CACHE:-~/.cache/stateflow}/statefun.env`. Throws {@link StatefunEnvError}
 * saying to run `tools/engines/statefun/setup.sh` when it or what it names is missing.
 */
export function findStatefunEnv(env: NodeJS.ProcessEnv = process.env): StatefunEnv {
  const file = join(env['STATEFLOW_CACHE'] || join(homedir(), '.cache', 'stateflow'), 'statefun.env');
  const setup = 'run tools/engines/statefun/setup.sh (from the StateFlow repository; it fetches the Statefun 3.3 jars, about 300 MB, and the Python SDK into the cache)';
  if (!existsSync(file)) throw new StatefunEnvError(`Statefun is not set up: ${file} does not exist; ${setup}`);
  const values: { [name: string]: string } = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) values[m[1]!] = m[2]!.trim();
  }
  const need = (name: string, what: string): string => {
    const v = values[name];
    if (!v || !existsSync(v)) throw new StatefunEnvError(`${what} (${name} in ${file}) is missing; ${setup}`);
    return v;
  };
  return {
    file,
    libs: need('STATEFUN_LIBS', 'the Statefun jars'),
    launcherJar: need('STATEFUN_JAR', 'the launcher jar'),
    python: need('STATEFUN_PYTHON', "the function service's Python"),
    ...(values['STATEFUN_VERSION'] ? { version: values['STATEFUN_VERSION'] } : {}),
  };
}
