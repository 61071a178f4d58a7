import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './cli-error.js';
import { ExitCode } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a command's arguments strictly with `node:util` `parseArgs`; an unknown flag,
 * a missing flag value or a wrong number of files becomes a {@link CliError} (exit 2)
 * carrying the command's usage.
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  argv: string[],
  options: O,
  usage: string,
): {
  values: { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : O[K] extends { multiple: true } ? string[] : string };
  file: string | undefined;
  help: boolean;
} {
  let parsed: { values: { [name: string]: string | string[] | boolean | undefined }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }) as typeof parsed;
  } catch (err) {
    throw new CliError(`stateflow ${command}: ${cleanParseError((err as Error).message)}`, ExitCode.Usage, usage);
  }
  const help = parsed.values['help'] === true;
  if (!help && parsed.positionals.length !== 1) {
    const problem =
      parsed.positionals.length === 0
        ? 'missing the program file (e.g. app.py)'
        : `expected one program file, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`;
    throw new CliError(`stateflow ${command}: ${problem}`, ExitCode.Usage, usage);
  }
  return { values: parsed.values as never, file: parsed.positionals[0], help };
}

function cleanParseError(message: string): string {
  // Node's messages end with a hint about '--' that does not apply to us.
  return message.replace(/\. To specify a positional argument starting with a '-'.*$/s, '').trim();
}

/** Checks a flag value against its allowed choices. */
export function checkChoice(command: string, flag: string, value: string, choices: readonly string[], usage: string): void {
  if (!choices.includes(value)) {
    throw new CliError(`stateflow ${command}: --${flag} must be one of ${choices.join(', ')} (got '${value}')`, ExitCode.Usage, usage);
  }
}
