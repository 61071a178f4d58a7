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

/**
 * The start of a bridge module run in the kernel's Pyodide: imports the kernel and
 * defines `load(text) -> str | None` (the load error, or `None`) that sets the global
 * `kernel`, and `encoding_error(what, e) -> str`, the answer of a batch that cannot be
 * read or whose answer cannot be encoded (see {@link readBatchAnswer}). Each host
 * appends its own batch functions.
 */
export const BRIDGE_PRELUDE = `
import gc, json, sys
sys.path.insert(0, ${JSON.stringify(KERNEL_DIR)})
from stateflow_kernel import Kernel, LoadError

kernel = None

def load(text):
    global kernel
    try:
        kernel = Kernel(json.loads(text))
    except LoadError as e:
        return str(e)
    # The standard library's, Pyodide's and the program's objects live until the next
    # load: move them out of the collector's way, so collections only scan what batches
    # create (a full collection of the ~21,000 objects at start takes about 7 ms here).
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return None

def encoding_error(what, e):
    message = "%s: a value is nested too deeply for the Python kernel (%s: %s)" % (what, type(e).__name__, e)
    return json.dumps({"error": {"type": "EncodingError", "code": "EncodingError", "message": message}})
`;

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
 * into it (not imported yet: run a bridge built on {@link BRIDGE_PRELUDE} for that).
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
