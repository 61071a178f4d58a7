/** Where the CLI writes; the bin passes the process streams, tests pass buffers. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Exit statuses of the `stateflow` command: every command returns one of these, never a bare number. */
export const ExitCode = {
  /** Success. */
  Ok: 0,
  /** The program has errors (diagnostics were printed). */
  ProgramErrors: 1,
  /** The command could not do its work: a port in use, a Python host or an engine job that did not start. */
  Failed: 1,
  /** Wrong usage: unknown command or flag, missing or unreadable file. */
  Usage: 2,
  /** A bug in StateFlow itself. */
  Internal: 70,
} as const;
