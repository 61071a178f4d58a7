import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '@stateflow/frontend-python';
import type { Program } from '@stateflow/ir';

/** The repository's root (this package is `tests/engine-kit`; `src/` and `dist/` are one level down). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Compiles a Python file of the repository (path relative to the repository root). */
export async function compileRepoFile(path: string): Promise<Program> {
  const { program, diagnostics } = await compile(readFileSync(join(REPO_ROOT, path), 'utf8'), { path });
  if (!program) throw new Error(`${path} does not compile: ${diagnostics.map((d) => d.message).join('; ')}`);
  return program;
}

/** The benchmark's accounts (`tests/bench/programs/accounts.py`): read, update, deposit, transfer (two hops). */
export const accountsProgram = (): Promise<Program> => compileRepoFile('tests/bench/programs/accounts.py');
