import { writeFile } from 'node:fs/promises';
import type { Program } from '@stateflow/ir';
import { CliError } from '../cli-error.js';
import { ExitCode, type CliIo } from '../io.js';
import { loadProgram } from '../load-program.js';
import { checkChoice, parseCommandArgs } from '../parse-command-args.js';
import { renderDiagnosticsJson, renderDiagnosticsText } from '../render-diagnostics.js';
import { USAGE } from '../usage.js';

/** `stateflow compile <app.py> [-o <file>] [--format text|json]`. */
export async function compileCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, file, help } = parseCommandArgs(
    'compile',
    argv,
    { out: { type: 'string', short: 'o' }, format: { type: 'string' } },
    USAGE.compile,
  );
  if (help) {
    io.stdout(USAGE.compile);
    return ExitCode.Ok;
  }
  const format = values.format ?? 'text';
  checkChoice('compile', 'format', format, ['text', 'json'], USAGE.compile);
  const { program, diagnostics } = await loadProgram(file!);
  if (!program) {
    if (format === 'json') io.stdout(renderDiagnosticsJson(diagnostics));
    else io.stderr(renderDiagnosticsText(diagnostics));
    return ExitCode.ProgramErrors;
  }
  // Warnings go to stderr so that stdout stays pure IR.
  if (diagnostics.length > 0) {
    io.stderr(format === 'json' ? renderDiagnosticsJson(diagnostics) : renderDiagnosticsText(diagnostics));
  }
  const text = `${JSON.stringify(program, null, 2)}\n`;
  if (values.out === undefined) {
    io.stdout(text);
    return ExitCode.Ok;
  }
  try {
    await writeFile(values.out, text);
  } catch (err) {
    throw new CliError(`stateflow compile: cannot write ${values.out}: ${(err as Error).message}`);
  }
  io.stdout(`wrote ${values.out}: ${summarize(program)}\n`);
  return ExitCode.Ok;
}

/** One-line summary of a program, e.g. `2 entities (Item, User), 3 methods, 1 split`. */
export function summarize(program: Program): string {
  const methods = program.entities.flatMap((e) => e.methods);
  const split = methods.filter((m) => m.body.kind === 'SplitBody').length;
  const names = program.entities.map((e) => e.name).join(', ');
  const entities = `${program.entities.length} ${program.entities.length === 1 ? 'entity' : 'entities'} (${names})`;
  return `${entities}, ${methods.length} method${methods.length === 1 ? '' : 's'}, ${split} split`;
}
