import { ExitCode } from './io.js';

/**
 * A user mistake the CLI reports as one message (no stack trace) and an exit status.
 * `showUsage` appends the command's usage text.
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: number = ExitCode.Usage,
    /** Usage text to print after the message, if any. */
    readonly usage?: string,
  ) {
    super(message);
  }
}
