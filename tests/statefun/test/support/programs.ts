import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from '@stateflow/frontend-python';
import type { Program } from '@stateflow/ir';

/** Compiles a Python file of the repository (path relative to the repository root). */
export async function compileRepoFile(path: string): Promise<Program> {
  const file = fileURLToPath(new URL(`../../../../${path}`, import.meta.url));
  const { program, diagnostics } = await compile(readFileSync(file, 'utf8'), { path });
  if (!program) throw new Error(`${path} does not compile: ${diagnostics.map((d) => d.message).join('; ')}`);
  return program;
}

/** The benchmark's accounts (`tests/bench/programs/accounts.py`): read, update, deposit, transfer (two hops). */
export const accountsProgram = (): Promise<Program> => compileRepoFile('tests/bench/programs/accounts.py');
