import type { Program } from '@stateflow/ir';
import type { PyodideAPI } from 'pyodide';
import { PythonHostError } from './errors.js';
import type { HostRequest, HostResult, LoadOptions, PythonHost } from './host.js';
import { failedResult } from './fail-event.js';
import { stringifyForKernel } from './frames.js';
import { bridgeFunctions, readBatchAnswer, startKernelPyodide, type PyCallable } from './kernel-pyodide.js';
import { runOneByOne } from './one-by-one.js';
import { errorValueOf } from './worker-pool.js';

/** Options of {@link PyodideHost.start}. */
export interface PyodideHostOptions {
  /** Where Python's stdout/stderr (user `print`) go: this process's stderr, or nowhere. @default 'forward' */
  stderr?: 'forward' | 'capture';
}

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
    const pyodide = await startKernelPyodide(
      options.stderr,
      (err, indexURL) => new PythonHostError('PythonNotFound', `cannot start Pyodide from ${indexURL}: ${String(err)}`, { cause: err }),
    );
    const { load, batch } = bridgeFunctions(pyodide, ['load', 'batch']);
    return new PyodideHost(pyodide, load, batch);
  }

  async load(program: Program, options: LoadOptions = {}): Promise<void> {
    this.assertOpen();
    const error = this.loadFn(JSON.stringify(program), options.resumeDetached === true);
    if (typeof error === 'string') throw new PythonHostError('LoadFailed', `cannot load the program: ${error}`);
    this.loaded = true;
  }

  async process(batch: HostRequest[]): Promise<HostResult[]> {
    this.assertOpen();
    if (!this.loaded) throw new PythonHostError('NotLoaded', 'no program is loaded: call load(program) before process()');
    if (batch.length === 0) return [];
    try {
      return this.run(batch);
    } catch (err) {
      // The batch failed as a whole (a value it could not encode or read): one event at
      // a time, so only the event at fault fails.
      if (batch.length === 1) return [failedResult(batch[0]!.event, errorValueOf(err))];
      return runOneByOne(batch, async (request) => {
        try {
          return this.run([request])[0]!;
        } catch (alone) {
          return failedResult(request.event, errorValueOf(alone));
        }
      });
    }
  }

  private run(batch: HostRequest[]): HostResult[] {
    return readBatchAnswer(this.batchFn(stringifyForKernel(batch)) as string);
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
