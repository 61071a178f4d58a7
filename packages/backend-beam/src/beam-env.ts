import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The local Beam installation written by `tools/engines/beam/setup.sh`. */
export interface BeamEnv {
  /** The `beam.env` file read. */
  file: string;
  /** Python of the venv with `apache-beam` and `kafka-python`. */
  python: string;
  /** The Prism binary (Beam's portable local runner). */
  prism: string;
  beamVersion?: string;
}

/** Beam is not set up here; the message names the script to run. */
export class BeamEnvError extends Error {
  override name = 'BeamEnvError';
}

/** `${STATEFLOW_CACHE:-${XDG_CACHE_HOME:-~/.cache}/stateflow}`, where `stateflow engine setup` installs. */
function stateflowCacheDir(env: NodeJS.ProcessEnv): string {
  const xdg = env['XDG_CACHE_HOME'];
  return env['STATEFLOW_CACHE'] || join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'stateflow');
}

/**
 * Reads `${STATEFLOW_CACHE:-${XDG_CACHE_HOME:-~/.cache}/stateflow}/beam.env` (`BEAM_PYTHON`, `BEAM_PRISM`,
 * ...). Throws {@link BeamEnvError} saying to run `tools/engines/beam/setup.sh` when it or
 * what it names is missing.
 */
export function findBeamEnv(env: NodeJS.ProcessEnv = process.env): BeamEnv {
  const file = join(stateflowCacheDir(env), 'beam.env');
  const setup = 'run stateflow engine setup beam (in the StateFlow repository: tools/engines/beam/setup.sh; it installs apache-beam into a virtualenv and builds Prism into the cache, about 600 MB)';
  if (!existsSync(file)) throw new BeamEnvError(`Beam is not set up: ${file} does not exist; ${setup}`);
  const values: { [name: string]: string } = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) values[m[1]!] = m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  const python = values['BEAM_PYTHON'];
  const prism = values['BEAM_PRISM'];
  if (!python || !existsSync(python)) throw new BeamEnvError(`Beam's Python (BEAM_PYTHON in ${file}) is missing; ${setup}`);
  if (!prism || !existsSync(prism)) throw new BeamEnvError(`the Prism binary (BEAM_PRISM in ${file}) is missing; ${setup}`);
  return { file, python, prism, ...(values['BEAM_VERSION'] ? { beamVersion: values['BEAM_VERSION'] } : {}) };
}
