import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The local PyFlink installation written by `stateflow engine setup flink` (`tools/engines/flink/setup.sh`). */
export interface FlinkEnv {
  /** The `flink.env` file read. */
  file: string;
  /** Python of the venv with `apache-flink`. */
  python: string;
  /** The `flink-sql-connector-kafka` jar. */
  kafkaJar: string;
  flinkVersion?: string;
}

/** PyFlink is not set up here; the message names the script to run. */
export class FlinkEnvError extends Error {
  override name = 'FlinkEnvError';
}

/** `${STATEFLOW_CACHE:-${XDG_CACHE_HOME:-~/.cache}/stateflow}`, where `stateflow engine setup` installs. */
export function stateflowCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  return env['STATEFLOW_CACHE'] || join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'stateflow');
}

/**
 * Reads `${STATEFLOW_CACHE:-~/.cache/stateflow}/flink.env` (`FLINK_PYTHON`,
 * `FLINK_KAFKA_JAR`, ...). Throws {@link FlinkEnvError} saying to run
 * `stateflow engine setup flink` when it or what it names is missing.
 */
export function findFlinkEnv(env: NodeJS.ProcessEnv = process.env): FlinkEnv {
  const file = join(stateflowCacheDir(env), 'flink.env');
  const setup = 'run: stateflow engine setup flink (it installs PyFlink and the Kafka connector jar into the cache, about 1.4 GB; in the StateFlow repository tools/engines/flink/setup.sh does the same)';
  if (!existsSync(file)) throw new FlinkEnvError(`PyFlink is not set up: ${file} does not exist; ${setup}`);
  const values: { [name: string]: string } = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) values[m[1]!] = m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  const python = values['FLINK_PYTHON'];
  const kafkaJar = values['FLINK_KAFKA_JAR'];
  if (!python || !existsSync(python)) throw new FlinkEnvError(`PyFlink's Python (FLINK_PYTHON in ${file}) is missing; ${setup}`);
  if (!kafkaJar || !existsSync(kafkaJar)) throw new FlinkEnvError(`the Kafka connector jar (FLINK_KAFKA_JAR in ${file}) is missing; ${setup}`);
  return { file, python, kafkaJar, ...(values['FLINK_VERSION'] ? { flinkVersion: values['FLINK_VERSION'] } : {}) };
}
