import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateClient } from '@stateflow/client/codegen';
import { CliError } from '../cli-error.js';
import { ExitCode, type CliIo } from '../io.js';
import { loadProgram } from '../load-program.js';
import { checkChoice, parseCommandArgs } from '../parse-command-args.js';
import { renderDiagnosticsText } from '../render-diagnostics.js';

/** Usage of `stateflow codegen`. */
export const CODEGEN_USAGE = `Usage: stateflow codegen client <app.py> [--out <file.ts>] [--name <Name>] [--int number|bigint]

Generates a typed TypeScript client (@stateflow/client) for the program's entities:
one stub class per entity with its public methods typed from the Python annotations,
and create<Name>Client(transport).

Options:
  -o, --out <file>   write the module to <file> (folders are created) instead of standard output
  --name <Name>      client name: Shop gives createShopClient (default: from the file name,
                     or its folder's name for app.py / main.py)
  --int <mode>       TypeScript type of Python int results: number (default; a value beyond
                     2^53 is an error when decoded) or bigint (always exact)
  -h, --help         show this help

Exit status: 0 generated, 1 the program has errors, 2 wrong usage.
`;

/** `stateflow codegen client <app.py> [--out file.ts] [--name Name] [--int number|bigint]`. */
export async function codegenCommand(argv: string[], io: CliIo): Promise<number> {
  const [target, ...rest] = argv;
  if (target === undefined || target === '-h' || target === '--help') {
    if (target === undefined) throw new CliError('stateflow codegen: missing what to generate (only `client` exists)', ExitCode.Usage, CODEGEN_USAGE);
    io.stdout(CODEGEN_USAGE);
    return ExitCode.Ok;
  }
  if (target !== 'client') {
    throw new CliError(`stateflow codegen: unknown target '${target}' (only \`client\` exists: stateflow codegen client app.py)`, ExitCode.Usage, CODEGEN_USAGE);
  }
  const { values, file, help } = parseCommandArgs(
    'codegen client',
    rest,
    { out: { type: 'string', short: 'o' }, name: { type: 'string' }, int: { type: 'string' } },
    CODEGEN_USAGE,
  );
  if (help) {
    io.stdout(CODEGEN_USAGE);
    return ExitCode.Ok;
  }
  const int = values.int ?? 'number';
  checkChoice('codegen client', 'int', int, ['number', 'bigint'], CODEGEN_USAGE);
  if (values.name !== undefined && !/^[A-Za-z][A-Za-z0-9_]*$/.test(values.name)) {
    throw new CliError(`stateflow codegen client: --name must be an identifier such as Shop (got '${values.name}')`, ExitCode.Usage, CODEGEN_USAGE);
  }
  const { program, diagnostics } = await loadProgram(file!);
  if (!program) {
    io.stderr(renderDiagnosticsText(diagnostics));
    return ExitCode.ProgramErrors;
  }
  if (diagnostics.length > 0) io.stderr(renderDiagnosticsText(diagnostics));
  const command = ['stateflow codegen client', file!, ...(values.out ? ['--out', values.out] : []), ...(values.name ? ['--name', values.name] : []), ...(values.int ? ['--int', values.int] : [])].join(' ');
  const code = generateClient(
    { ...program, module: { ...program.module, path: file! } },
    { int: int as 'number' | 'bigint', command, ...(values.name !== undefined ? { name: values.name } : {}) },
  );
  if (values.out === undefined) {
    io.stdout(code);
    return ExitCode.Ok;
  }
  try {
    await mkdir(dirname(values.out), { recursive: true });
    await writeFile(values.out, code);
  } catch (err) {
    throw new CliError(`stateflow codegen client: cannot write ${values.out}: ${(err as Error).message}`, ExitCode.ProgramErrors);
  }
  const entities = program.entities.map((e) => e.name);
  io.stdout(`wrote ${values.out}: typed client for ${entities.length} ${entities.length === 1 ? 'entity' : 'entities'} (${entities.join(', ')})\n`);
  return ExitCode.Ok;
}
