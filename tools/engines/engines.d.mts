// Types of engines.mjs (the engine registry; see README.md, "Engine manifests").

/** An engine: a folder of this package with an `engine.json` (or a bare `setup.sh`). */
export interface Engine {
  name: string;
  description: string;
  /** Engines set up before this one (flink requires kafka). */
  requires: string[];
  /** Scripts run in order by `stateflow engine setup`, relative to the engines folder. */
  setup: string[];
  /** Programs needed on PATH, e.g. `java`, `python3 (3.9-3.12)`. */
  tools: string[];
  /** Script of `stateflow engine start`, if the engine has a long-running process. */
  start?: string;
  /** Script of `stateflow engine stop`. */
  stop?: string;
  /** File in the cache the setup writes (its presence means "set up"). */
  envFile?: string;
  /** About how much the setup puts in the cache. */
  size?: string;
  /** The engine's folder. */
  dir: string;
}

export class EngineManifestError extends Error {}
export class UnknownEngineError extends Error {
  readonly engine: string;
  readonly known: string[];
  constructor(name: string, known: string[]);
}
export class EngineScriptError extends Error {}

export function listEngines(dir?: string): Engine[];
export function findEngine(name: string, dir?: string): Engine;
export function setupOrder(names: string[], dir?: string): Engine[];
export function isSetUp(engine: Engine, env?: NodeJS.ProcessEnv): boolean | undefined;
export function missingTools(tools: string[], env?: NodeJS.ProcessEnv): string[];

export interface EngineRunOptions {
  env?: NodeJS.ProcessEnv;
  dir?: string;
  /** Progress output (the scripts' stderr and a line per step). @default process.stderr */
  onOutput?: (text: string) => void;
}
export function runEngineScript(script: string, args?: string[], options?: EngineRunOptions & { heartbeatMs?: number }): Promise<string>;
export function setupEngines(names: string[], options?: EngineRunOptions): Promise<{ name: string; seconds: number }[]>;
