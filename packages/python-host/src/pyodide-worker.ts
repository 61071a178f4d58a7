/**
 * Entry point of a Pyodide worker thread (see {@link PyodideWorkerHost}): loads Pyodide
 * and the kernel, then answers `load` and `batch` messages. The main thread
 * stops a runaway hop through the shared interrupt buffer (a `KeyboardInterrupt` in
 * Python), guided by the index of the running event that this thread publishes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { bridgeFunctions, startKernelPyodide } from './kernel-pyodide.js';

/** Data the main thread gives a Pyodide worker thread. */
export interface PyodideWorkerData {
  stderr: 'forward' | 'capture';
  timeoutMs: number;
  /** Int32Array[1]: Pyodide's interrupt buffer (2 = SIGINT). */
  interrupt: SharedArrayBuffer;
  /** Int32Array[1]: 1 + index of the event running now, 0 between batches. */
  progress: SharedArrayBuffer;
}

/** A request from the main thread. */
export type WorkerRequest =
  | { id: number; kind: 'load'; program: string; resumeDetached: boolean }
  | { id: number; kind: 'batch'; requests: string };

/** A response to the main thread. */
export interface WorkerResponse {
  id: number;
  /** JSON results of `batch`/`fail`. */
  results?: string;
  /** A load error, or a failure of the bridge. */
  error?: string;
  /** Size of the WebAssembly memory after the request, in bytes. */
  memory?: number;
}

async function main(): Promise<void> {
  const data = workerData as PyodideWorkerData;
  const pyodide = await startKernelPyodide(data.stderr);
  pyodide.setInterruptBuffer(new Int32Array(data.interrupt));
  const { load, worker_batch: batch } = bridgeFunctions(pyodide, ['load', 'worker_batch']);
  const progress = new Int32Array(data.progress);
  const limit = data.timeoutMs / 1000;
  const heap = () => (pyodide as unknown as { _module?: { HEAPU8?: Uint8Array } })._module?.HEAPU8?.byteLength ?? 0;
  parentPort!.on('message', (msg: WorkerRequest) => {
    let response: WorkerResponse;
    try {
      if (msg.kind === 'load') {
        const error = load(msg.program, msg.resumeDetached);
        response = typeof error === 'string' ? { id: msg.id, error } : { id: msg.id };
      } else {
        response = { id: msg.id, results: batch(msg.requests, progress, limit) as string };
      }
    } catch (err) {
      response = { id: msg.id, error: `the Pyodide worker failed: ${String(err)}` };
    }
    response.memory = heap();
    parentPort!.postMessage(response);
  });
  parentPort!.postMessage({ id: 0 });
}

void main().catch((err: unknown) => {
  parentPort!.postMessage({ id: 0, error: `cannot start Pyodide: ${String(err)}` });
});
