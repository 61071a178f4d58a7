import { readSettings, type BackendSettings, type Program, programSlug } from '@stateflow/ir';

/** The deployment's settings, written to `stateflow-cloudburst.json` in the artifact. */
export interface CloudburstConfig {
  /** The function's and the DAG's name in Cloudburst, and the prefix of its Anna keys. */
  name: string;
  /** Longest call chain (events per request) before the request fails. */
  maxHops: number;
  /** Local runs: port of the gateway (the Lambda Invoke API) on 127.0.0.1. */
  gatewayPort: number;
  /** Local runs: Cloudburst clients in the gateway (calls in flight at once). */
  connections: number;
  /** Local runs: seconds the gateway waits for Cloudburst's answer. */
  callTimeoutSeconds: number;
}

/** The settings `build` reads (`--set name=value`, or the flag). */
export const CLOUDBURST_SETTINGS: BackendSettings = {
  name: { help: 'name of the Cloudburst function and DAG, and prefix of its Anna keys', type: 'string', placeholder: 'name' },
  maxHops: { help: 'longest call chain before a request fails', type: 'integer', min: 1, default: 10000 },
  gatewayPort: { help: 'local runs: port of the gateway (Lambda Invoke API) on 127.0.0.1', type: 'integer', min: 1, default: 9310 },
  connections: { help: 'local runs: Cloudburst clients in the gateway (calls in flight)', type: 'integer', min: 1, default: 4 },
  callTimeoutSeconds: { help: "local runs: seconds the gateway waits for Cloudburst's answer", type: 'integer', min: 1, default: 30 },
};

/** Flat overrides, as the CLI and `BackendBuildOptions.config` pass them. */
export type CloudburstConfigOverrides = { [name: string]: string | number | boolean | undefined };

/** An override that is not valid; the message says which setting and why. */
export class CloudburstConfigError extends Error {
  override name = 'CloudburstConfigError';
}

/** `stateflow-<module>`: letters, digits and '-'. */
export function deploymentName(program: Program): string {
  return `stateflow-${programSlug(program)}`;
}

// At most 8 connections: their Anna client ports (6800 + 30 + i) must stay below Anna's next range.
const MAX: { [name: string]: number } = { gatewayPort: 65_535, connections: 8, callTimeoutSeconds: 3600 };

/** The default configuration with `overrides` applied (see {@link CLOUDBURST_SETTINGS}). */
export function resolveCloudburstConfig(program: Program, overrides: CloudburstConfigOverrides = {}): CloudburstConfig {
  const config: CloudburstConfig = { name: deploymentName(program), maxHops: 10_000, gatewayPort: 9310, connections: 4, callTimeoutSeconds: 30 };
  const read = readSettings(CLOUDBURST_SETTINGS, overrides, (message) => new CloudburstConfigError(message));
  return Object.assign(config, read.given({ max: MAX, format: { pattern: /^[A-Za-z0-9-]{1,60}$/, expected: "1-60 letters, digits or '-'" } }));
}
