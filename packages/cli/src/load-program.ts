import { readFile } from 'node:fs/promises';
import { assertIr, SUPPORTED_IR_RANGE, type Diagnostic, type Program } from '@stateflow/ir';
import { CliError } from './cli-error.js';
import { ExitCode } from './io.js';

/** A program loaded from a file, or the diagnostics explaining why it could not be. */
export interface LoadedProgram {
  program?: Program;
  diagnostics: Diagnostic[];
}

/**
 * Loads a program from `path`: Python source (`.py`, compiled with the frontend) or an
 * IR file (`.json`, checked with `assertIr`). Throws {@link CliError} (exit 2) when the
 * file cannot be read.
 */
export async function loadProgram(path: string): Promise<LoadedProgram> {
  const text = await readSource(path);
  if (path.endsWith('.json')) return loadIr(path, text);
  // Loaded on demand: the parser (tree-sitter) is only needed for Python input.
  const { compile } = await import('@stateflow/frontend-python');
  return compile(text, { path });
}

async function readSource(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String((err as Error).message);
    throw new CliError(`stateflow: cannot read ${path}: ${reason}`);
  }
}

function loadIr(path: string, text: string): LoadedProgram {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`stateflow: ${path} is not valid JSON (${(err as Error).message}); pass a Python file or an IR file written by 'stateflow compile -o'`, ExitCode.ProgramErrors);
  }
  return assertIr(value, SUPPORTED_IR_RANGE, { file: path });
}
