import { tryRenderGraph } from '@stateflow/ir';
import { CliError } from '../cli-error.js';
import { ExitCode, type CliIo } from '../io.js';
import { loadProgram } from '../load-program.js';
import { checkChoice, parseCommandArgs } from '../parse-command-args.js';
import { renderDiagnosticsText } from '../render-diagnostics.js';
import { USAGE } from '../usage.js';

/** `stateflow graph <app.py> [--method Entity.method] [--format mermaid|dot]`. */
export async function graphCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, file, help } = parseCommandArgs(
    'graph',
    argv,
    { method: { type: 'string' }, format: { type: 'string' } },
    USAGE.graph,
  );
  if (help) {
    io.stdout(USAGE.graph);
    return ExitCode.Ok;
  }
  const format = values.format ?? 'mermaid';
  checkChoice('graph', 'format', format, ['mermaid', 'dot'], USAGE.graph);
  const { program, diagnostics } = await loadProgram(file!);
  if (!program) {
    io.stderr(renderDiagnosticsText(diagnostics));
    return ExitCode.ProgramErrors;
  }
  const rendered = tryRenderGraph(program, {
    format: format as 'mermaid' | 'dot',
    ...(values.method !== undefined ? { method: values.method } : {}),
  });
  if (!rendered.ok) throw new CliError(`stateflow graph: ${rendered.message}`);
  io.stdout(rendered.text.endsWith('\n') ? rendered.text : `${rendered.text}\n`);
  return ExitCode.Ok;
}
