import { execFileSync } from 'node:child_process';
import { delimiter } from 'node:path';
import { kernelPythonDir } from './files.js';

/** Options of {@link runPythonChecks}. */
export interface PythonChecksOptions {
  /** Folders put on `PYTHONPATH` before the kernel's (a backend's own Python packages). */
  path?: string[];
  /**
   * The Python interpreter.
   * @default `STATEFLOW_PYTHON`, else `python3`
   */
  python?: string;
}

/**
 * Runs a backend's Python check script (plain Python, no engine) with `options.path` and
 * the kernel ({@link kernelPythonDir}) on `PYTHONPATH`, and returns the last line it
 * printed: by convention `ok <count>` once every check passed. Its standard error is not
 * shown unless it fails (then the thrown error carries it): the scripts log retries there.
 */
export function runPythonChecks(script: string, options: PythonChecksOptions = {}): string {
  const python = options.python ?? process.env['STATEFLOW_PYTHON'] ?? 'python3';
  const out = execFileSync(python, [script], {
    env: { ...process.env, PYTHONPATH: [...(options.path ?? []), kernelPythonDir()].join(delimiter) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out.trim().split('\n').pop() ?? '';
}
