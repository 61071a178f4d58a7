/**
 * Starting a Pyodide with the StateFlow kernel in it, shared by the in-process host
 * ({@link PyodideHost}) and the worker threads ({@link PyodideWorkerHost}) so both load
 * the same Pyodide, the same kernel files and the same `load` bridge.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { kernelFiles } from '@stateflow/python-kernel';
import type { ErrorValue } from '@stateflow/ir';
import type { PyodideAPI } from 'pyodide';
import { PythonHostError } from './errors.js';
import type { HostResult } from './host.js';

/** Where the kernel's files live inside Pyodide's virtual file system. */
const KERNEL_DIR = '/stateflow/python';

/** The kernel's module of entry points for Pyodide hosts (`stateflow_kernel/pyodide_bridge.py`). */
const BRIDGE_MODULE = 'stateflow_kernel.pyodide_bridge';

/** A Python function called from JavaScript (a PyProxy: destroy it when done). */
export type PyCallable = ((...args: unknown[]) => string | undefined) & { destroy(): void };

/**
 * Imports the kernel's bridge module (`stateflow_kernel/pyodide_bridge.py`, shipped with
 * `@stateflow/python-kernel` and written into Pyodide by {@link startKernelPyodide}) and
 * returns the named functions of it: `load(text)`, `batch(text)`,
 * `worker_batch(text, progress, limit_s)` (see that module). The module's errors
 * (`encoding_error` answers) are read by {@link readBatchAnswer}.
 */
export function bridgeFunctions<Name extends string>(pyodide: PyodideAPI, names: readonly Name[]): Record<Name, PyCallable> {
  pyodide.runPython(`import sys\nif ${JSON.stringify(KERNEL_DIR)} not in sys.path: sys.path.insert(0, ${JSON.stringify(KERNEL_DIR)})`);
  const bridge = pyodide.pyimport(BRIDGE_MODULE) as { [name: string]: PyCallable & { copy(): PyCallable } } & { destroy(): void };
  try {
    const out = {} as Record<Name, PyCallable>;
    // Attributes are borrowed from the module's proxy: copies outlive it.
    for (const name of names) out[name] = bridge[name]!.copy();
    return out;
  } finally {
    bridge.destroy();
  }
}

/**
 * The results of a Pyodide bridge's batch answer (a JSON list), or throws
 * {@link PythonHostError} `Unencodable` for an `encoding_error` answer (the batch could
 * not be read or its answer encoded), so the batch is re-run one event at a time.
 */
export function readBatchAnswer(text: string): HostResult[] {
  const answer = JSON.parse(text) as HostResult[] | { error: ErrorValue };
  if (Array.isArray(answer)) return answer;
  throw new PythonHostError('Unencodable', `the Pyodide kernel failed a batch: ${answer.error.message}`, { error: answer.error });
}

/**
 * Loads Pyodide from the installed `pyodide` package and writes the kernel's files
 * into it (not imported yet: {@link bridgeFunctions} does that).
 *
 * @param stderr - where Python's stdout/stderr go: this process's stderr, or nowhere
 * @param onStartError - turns a failure of Pyodide itself to start (given the directory
 *   it was loaded from) into the error to throw; by default the failure is rethrown as is
 */
export async function startKernelPyodide(
  stderr: 'forward' | 'capture' | undefined,
  onStartError: (err: unknown, indexURL: string) => unknown = (err) => err,
): Promise<PyodideAPI> {
  const { loadPyodide } = await import('pyodide');
  const indexURL = dirname(createRequire(import.meta.url).resolve('pyodide/package.json')) + '/';
  const write = stderr === 'capture' ? () => {} : (line: string) => void process.stderr.write(`${line}\n`);
  let pyodide: PyodideAPI;
  try {
    pyodide = await loadPyodide({ indexURL, stdout: write, stderr: write });
  } catch (err) {
    throw onStartError(err, indexURL);
  }
  for (const file of await kernelFiles()) {
    const path = `${KERNEL_DIR}/${file.path}`;
    pyodide.FS.mkdirTree(path.slice(0, path.lastIndexOf('/')));
    pyodide.FS.writeFile(path, file.contents, { encoding: 'utf8' });
  }
  return pyodide;
}
