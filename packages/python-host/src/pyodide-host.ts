import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Program } from '@stateflow/ir';
import { kernelFiles } from '@stateflow/python-kernel';
import type { PyodideAPI } from 'pyodide';
import { PythonHostError } from './errors.js';
import type { HostRequest, HostResult, PythonHost } from './host.js';

/** Options of {@link PyodideHost.start}. */
export interface PyodideHostOptions {
  /** Where Python's stdout/stderr (user `print`) go: this process's stderr, or nowhere. @default 'forward' */
  stderr?: 'forward' | 'capture';
}

/** Where the kernel's files live inside Pyodide's virtual file system. */
const KERNEL_DIR = '/stateflow/python';

const BRIDGE = `
import json, sys
sys.path.insert(0, ${JSON.stringify(KERNEL_DIR)})
from stateflow_kernel import Kernel, LoadError

kernel = None

def load(text):
    global kernel
    try:
        kernel = Kernel(json.loads(text))
    except LoadError as e:
        return str(e)
    return None

def batch(text):
    return kernel.process_batch_json(text)
`;

type PyCallable = ((text: string) => string | undefined) & { destroy(): void };

/**
 * Runs the kernel in-process on Pyodide (CPython 3.14 compiled to WebAssembly, standard
 * library only, no network). Each {@link process} call is one synchronous call into
 * Python with one JSON string, so the Node event loop is blocked while a batch runs.
 */
export class PyodideHost implements PythonHost {
  readonly kind = 'pyodide';
  private loaded = false;
  private pyodide: PyodideAPI | undefined;

  private constructor(
    pyodide: PyodideAPI,
    private readonly loadFn: PyCallable,
    private readonly batchFn: PyCallable,
  ) {
    this.pyodide = pyodide;
  }

  /** Loads Pyodide from the installed `pyodide` package and imports the kernel into it. */
  static async start(options: PyodideHostOptions = {}): Promise<PyodideHost> {
    const { loadPyodide } = await import('pyodide');
    const indexURL = dirname(createRequire(import.meta.url).resolve('pyodide/package.json')) + '/';
    const write =
      options.stderr === 'capture' ? () => {} : (line: string) => void process.stderr.write(`${line}\n`);
    let pyodide: PyodideAPI;
    try {
      pyodide = await loadPyodide({ indexURL, stdout: write, stderr: write });
    } catch (err) {
      throw new PythonHostError('PythonNotFound', `cannot start Pyodide from ${indexURL}: ${String(err)}`, {
        cause: err,
      });
    }
    for (const file of await kernelFiles()) {
      const path = `${KERNEL_DIR}/${file.path}`;
      pyodide.FS.mkdirTree(path.slice(0, path.lastIndexOf('/')));
      pyodide.FS.writeFile(path, file.contents, { encoding: 'utf8' });
    }
    const namespace = pyodide.toPy({}) as unknown as { get(name: string): PyCallable; destroy(): void };
    pyodide.runPython(BRIDGE, { globals: namespace as never, filename: '<stateflow-host>' });
    const host = new PyodideHost(pyodide, namespace.get('load'), namespace.get('batch'));
    namespace.destroy();
    return host;
  }

  async load(program: Program): Promise<void> {
    this.assertOpen();
    const error = this.loadFn(JSON.stringify(program));
    if (typeof error === 'string') throw new PythonHostError('LoadFailed', `cannot load the program: ${error}`);
    this.loaded = true;
  }

  async process(batch: HostRequest[]): Promise<HostResult[]> {
    this.assertOpen();
    if (!this.loaded) throw new PythonHostError('NotLoaded', 'no program is loaded: call load(program) before process()');
    if (batch.length === 0) return [];
    return JSON.parse(this.batchFn(JSON.stringify(batch)) as string) as HostResult[];
  }

  async close(): Promise<void> {
    if (!this.pyodide) return;
    this.loadFn.destroy();
    this.batchFn.destroy();
    this.pyodide = undefined;
  }

  private assertOpen(): void {
    if (!this.pyodide) throw new PythonHostError('Closed', 'the Pyodide Python host is closed');
  }
}
