import type { PythonHost } from './host.js';
import { PyodideHost } from './pyodide-host.js';
import { SubprocessHost } from './subprocess-host.js';

/** Which interpreter runs the kernel. */
export type PythonHostKind = 'pyodide' | 'subprocess';

/** Options of {@link createPythonHost}. */
export interface PythonHostOptions {
  /** `pyodide`: CPython compiled to WebAssembly, in this process. `subprocess`: real CPython processes. */
  kind: PythonHostKind;
  /**
   * Subprocess only: the Python interpreter (3.9+). A bare name is looked up on `PATH`;
   * the result is always an absolute path.
   * @default `STATEFLOW_PYTHON`, else `python3` (then `python`) found on `PATH`
   */
  python?: string;
  /**
   * Subprocess only: number of kernel processes. Entity instances are partitioned over
   * them by a hash of entity and key.
   * @default 1
   */
  workers?: number;
  /**
   * Where the interpreter's stderr (user `print` output, kernel logs) goes: `forward`
   * writes it to this process's stderr, `capture` keeps only the tail for error messages.
   * @default 'forward'
   */
  stderr?: 'forward' | 'capture';
}

/**
 * Starts a Python host: resolves and starts the interpreter(s) and imports the kernel.
 * Call {@link PythonHost.load} next. Rejects with a {@link PythonHostError} (e.g.
 * `PythonNotFound`) when the interpreter cannot be started.
 */
export async function createPythonHost(options: PythonHostOptions): Promise<PythonHost> {
  const stderr = options.stderr ?? 'forward';
  switch (options.kind) {
    case 'pyodide':
      return PyodideHost.start({ stderr });
    case 'subprocess':
      return SubprocessHost.start({
        ...(options.python !== undefined ? { python: options.python } : {}),
        workers: options.workers ?? 1,
        stderr,
      });
    default:
      throw new TypeError(
        `unknown Python host kind ${JSON.stringify((options as { kind: unknown }).kind)}: use 'pyodide' or 'subprocess'`,
      );
  }
}
