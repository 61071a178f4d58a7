import type { PythonHost } from './host.js';
import { PyodideHost } from './pyodide-host.js';
import { PyodideWorkerHost } from './pyodide-worker-host.js';
import { SubprocessHost } from './subprocess-host.js';

/** The kinds of Python host {@link createPythonHost} makes (what `stateflow serve --python-host` accepts). */
export const PYTHON_HOST_KINDS = ['pyodide', 'subprocess'] as const;

/** Which interpreter runs the kernel. */
export type PythonHostKind = (typeof PYTHON_HOST_KINDS)[number];

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
   * Number of workers: kernel processes (subprocess), or Pyodide instances in worker
   * threads (pyodide; without it Pyodide runs in this thread). Entity instances are
   * partitioned over them by a hash of entity and key.
   * @default 1 (subprocess), in-thread (pyodide)
   */
  workers?: number;
  /**
   * Where the interpreter's stderr (user `print` output, kernel logs) goes: `forward`
   * writes it to this process's stderr, `capture` keeps only the tail for error messages.
   * @default 'forward'
   */
  stderr?: 'forward' | 'capture';
  /**
   * Time limit of one event (hop) in ms: past it the hop fails with `TimeoutError`
   * (its state changes discarded) and a worker that does not stop is restarted. 0 for none.
   * Pyodide enforces it only with `workers` (worker threads).
   * @default 0
   */
  timeoutMs?: number;
  /**
   * Memory limit of each worker in MiB: the address space of a subprocess
   * (`RLIMIT_AS`), the WebAssembly memory of a Pyodide worker thread (checked after
   * each batch; the worker is restarted past it). 0 for none.
   * @default 0
   */
  maxMemoryMb?: number;
  /** Called when a dead or oversized worker is replaced. */
  onRestart?: (label: string, reason: string) => void;
}

/**
 * Starts a Python host: resolves and starts the interpreter(s) and imports the kernel.
 * Call {@link PythonHost.load} next. Rejects with a {@link @stateflow/python-host!PythonHostError | PythonHostError} (e.g.
 * `PythonNotFound`) when the interpreter cannot be started.
 */
export async function createPythonHost(options: PythonHostOptions): Promise<PythonHost> {
  const stderr = options.stderr ?? 'forward';
  switch (options.kind) {
    case 'pyodide':
      if (options.workers === undefined) return PyodideHost.start({ stderr });
      return PyodideWorkerHost.start({
        workers: options.workers,
        stderr,
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.maxMemoryMb ? { maxMemoryMb: options.maxMemoryMb } : {}),
        ...(options.onRestart ? { onRestart: options.onRestart } : {}),
      });
    case 'subprocess':
      return SubprocessHost.start({
        ...(options.python !== undefined ? { python: options.python } : {}),
        workers: options.workers ?? 1,
        stderr,
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.maxMemoryMb ? { maxMemoryMb: options.maxMemoryMb } : {}),
        ...(options.onRestart ? { onRestart: options.onRestart } : {}),
      });
    default:
      throw new TypeError(
        `unknown Python host kind ${JSON.stringify((options as { kind: unknown }).kind)}: use 'pyodide' or 'subprocess'`,
      );
  }
}
