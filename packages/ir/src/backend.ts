import type { Diagnostic } from './diagnostic.js';
import type { Program } from './program.js';

/**
 * The backend plugin contract. A backend turns a validated {@link Program} into a
 * deployable artifact (`build`) and may start it locally (`run`). Backends are plain
 * packages named `@stateflow/backend-<name>` exporting `backend`; the CLI loads them
 * by name for `--target <name>`. They receive IR only, never the front end.
 */

/** What a backend guarantees, so tools and docs can tell targets apart. */
export interface BackendCapabilities {
  /** Each request's effects on state happen once, even across failures and retries. */
  exactlyOnce: boolean;
  /** State survives a restart of the engine. */
  durableState: boolean;
  /** Requests with the same request id run once (retries are safe). */
  deduplicatesRequests: boolean;
  /** Transports a client can reach the deployment through, e.g. `kafka`, `http`. */
  transports: string[];
}

/** Progress and warnings a backend reports while it works. */
export interface BackendContext {
  /** One progress line for humans (the CLI prints it on stderr). */
  log(message: string): void;
}

/** Common options of {@link Backend.build}; a backend may read more from `config`. */
export interface BackendBuildOptions {
  /** Directory the artifact is written to (created if missing). */
  outDir: string;
  /**
   * Backend-specific settings overriding the defaults (e.g. topics, bootstrap
   * servers); values come from CLI flags or the environment.
   */
  config?: { [name: string]: string | number | boolean | undefined };
}

/** What {@link Backend.build} produced. */
export interface BackendArtifact {
  /** Absolute directory of the artifact. */
  outDir: string;
  /** Files written, relative to `outDir`, with `/` separators, sorted. */
  files: string[];
  /** The effective configuration written into the artifact. */
  config: { [name: string]: unknown };
  /** Warnings (errors make `build` throw or return no artifact). */
  diagnostics: Diagnostic[];
}

/** A started deployment, as {@link Backend.run} returns it. */
export interface RunningDeployment {
  /**
   * Resolves when the deployment has stopped, with its exit status (0: stopped cleanly;
   * 128 + the signal's number when its process was killed by a signal, as shells report it).
   */
  readonly done: Promise<number>;
  /** Stops it and waits until it has stopped; resolves with the exit status. */
  stop(): Promise<number>;
  /**
   * How clients reach the deployment through a transport of `@stateflow/client`;
   * `stateflow run` serves the HTTP API in front of it (`@stateflow/gateway`).
   */
  readonly clientAccess?: ClientAccess;
}

/** How clients reach a running deployment (data: the CLI builds the transport). */
export type ClientAccess = KafkaClientAccess | LambdaClientAccess;

/** Requests to a Kafka topic, replies on another (the client's `kafkaTransport`). */
export interface KafkaClientAccess {
  transport: 'kafka';
  /** Bootstrap brokers, e.g. `['127.0.0.1:19092']`. */
  brokers: string[];
  /** Topic the engine reads requests from. */
  requestTopic: string;
  /** Topic the engine writes the replies of these clients to. */
  replyTopic: string;
}

/**
 * One synchronous invocation of a function per request through the Lambda Invoke API
 * (the client's `lambdaTransport`, which also reads state with a `GetState` event).
 */
export interface LambdaClientAccess {
  transport: 'lambda';
  /** Base URL of the Invoke API, e.g. `http://127.0.0.1:9001`; absent: AWS itself. */
  endpoint?: string;
  /** The function to invoke. */
  functionName: string;
  /** AWS region of the function. @default `AWS_REGION`, else `us-east-1` */
  region?: string;
  /**
   * The endpoint checks no signatures (a local emulator): clients sign with placeholder
   * credentials instead of looking for AWS ones. @default false
   */
  unsigned?: boolean;
}

/** How the CLI reads a setting's value from its text. */
export type BackendSettingType = 'string' | 'integer' | 'boolean' | 'list';

/**
 * One setting a backend reads from {@link BackendBuildOptions.config}, declared so that
 * tools can show and check it without knowing the backend: the CLI lists it in
 * `stateflow build --target <name> --help`, accepts it as `--set <name>=<value>` (and as
 * its own flag when `flag` is given), and passes the parsed value in `config`.
 */
export interface BackendSetting {
  /** What it sets, in one line (the help text). */
  help: string;
  /**
   * `string`: as given; `integer`: a whole number, at least `min`; `boolean`: `true` or
   * `false` (a flag without a value means `true`); `list`: comma-separated strings.
   */
  type: BackendSettingType;
  /** The default, as shown in help (the backend applies its own defaults). */
  default?: string | number | boolean;
  /** Smallest value of an `integer` setting. @default 0 */
  min?: number;
  /**
   * A CLI flag of its own, kebab-case without `--` (e.g. `checkpoint-interval`); else only
   * `--set`. Not one of the CLI's own options (`target`, `out`, `set`, `fresh`, `help`).
   */
  flag?: string;
  /** How the value looks in help, e.g. `host:port`. @default the type */
  placeholder?: string;
}

/** A backend's settings by name (the key in `config`, camelCase). */
export type BackendSettings = { readonly [name: string]: BackendSetting };

/** A backend plugin. */
export interface Backend {
  /** The `--target` name, e.g. `flink`. */
  name: string;
  /** The `irVersion`s it reads, as a range for `isIrVersionCompatible` (e.g. `^0.1 || ^0.2`). */
  irVersions: string;
  capabilities: BackendCapabilities;
  /**
   * The settings `build` reads from `options.config`. The CLI shows and checks them and
   * passes typed values (`integer` as a number, `boolean` as a boolean, `list` as its
   * trimmed items joined by commas); it refuses names not declared here. Without it the
   * CLI passes `--set` values through as strings.
   */
  settings?: BackendSettings;
  /** Writes the deployable artifact for `program` to `options.outDir`. */
  build(program: Program, options: BackendBuildOptions, ctx: BackendContext): Promise<BackendArtifact>;
  /** Starts a built artifact locally, when the backend can (`stateflow run`). */
  run?(artifact: BackendArtifact, ctx: BackendContext): Promise<RunningDeployment>;
}

/** Declares a backend plugin (an identity function that checks the shape at compile time). */
export function defineBackend<B extends Backend>(backend: B): B {
  return backend;
}
