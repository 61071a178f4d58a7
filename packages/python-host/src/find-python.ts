import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { PythonHostError } from './errors.js';

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const exts = process.platform === 'win32' ? (env['PATHEXT'] ?? '.EXE').split(';') : [''];
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, name + ext);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * The absolute path of the Python interpreter to run: `python` if given (a path, or a
 * name looked up on `PATH`), else `STATEFLOW_PYTHON`, else `python3` or `python` on
 * `PATH`. Throws a `PythonNotFound` {@link PythonHostError} saying how to fix it.
 */
export function resolvePython(python?: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = python ?? env['STATEFLOW_PYTHON'];
  const source = python !== undefined ? 'the `python` option' : 'STATEFLOW_PYTHON';
  if (given !== undefined && given !== '') {
    if (isAbsolute(given) || given.includes('/') || given.includes('\\')) {
      const abs = resolve(given);
      if (isExecutable(abs)) return abs;
      throw new PythonHostError(
        'PythonNotFound',
        `Python interpreter not found: ${abs} (from ${source}) does not exist or is not executable. ` +
          'Point it at a Python 3.9+ executable, e.g. /usr/bin/python3.',
      );
    }
    const found = onPath(given, env);
    if (found) return found;
    throw new PythonHostError(
      'PythonNotFound',
      `Python interpreter not found: no '${given}' (from ${source}) on PATH. ` +
        'Give an absolute path to a Python 3.9+ executable.',
    );
  }
  const found = onPath('python3', env) ?? onPath('python', env);
  if (found) return found;
  throw new PythonHostError(
    'PythonNotFound',
    'Python interpreter not found: neither python3 nor python is on PATH. Install Python 3.9+, ' +
      "set STATEFLOW_PYTHON to its path, or use the 'pyodide' host, which needs no Python installation.",
  );
}
