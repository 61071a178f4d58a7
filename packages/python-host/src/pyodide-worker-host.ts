import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { systemError, type ErrorValue, type Event, type Program } from '@stateflow/ir';
import { PythonHostError } from './errors.js';
import type { HostRequest, HostResult, LoadOptions } from './host.js';
import { stringifyForKernel } from './frames.js';
import { readBatchAnswer } from './kernel-pyodide.js';
import { PooledHost, supervisedPool, workerCount } from './pooled-host.js';
import type { PyodideWorkerData, WorkerRequest, WorkerResponse } from './pyodide-worker.js';
import type { KernelWorker, WorkerPool } from './worker-pool.js';

/** Options of {@link PyodideWorkerHost.start}. */
export interface PyodideWorkerHostOptions {
  /** Number of worker threads, each with its own Pyodide. @default 1 */
  workers?: number;
  /** Where Python's stdout/stderr go. @default 'forward' */
  stderr?: 'forward' | 'capture';
  /** Time limit of one event (hop) in ms; 0 for none. @default 0 */
  timeoutMs?: number;
  /** A worker whose WebAssembly memory grows past this (MiB) is restarted after its batch; 0 for none. @default 0 */
  maxMemoryMb?: number;
  /** Called when a worker is replaced. */
  onRestart?: (label: string, reason: string) => void;
}

/** The compiled worker entry (also when this module runs from source, as in tests). */
function workerScript(): URL {
  const beside = new URL('./pyodide-worker.js', import.meta.url);
  return existsSync(fileURLToPath(beside)) ? beside : new URL('../dist/pyodide-worker.js', import.meta.url);
}

interface Waiting {
  resolve: (response: WorkerResponse) => void;
  reject: (error: Error) => void;
}

/** One Pyodide in a worker thread, with a watchdog that stops runaway hops. */
class ThreadWorker implements KernelWorker {
  readonly label: string;
  private readonly worker: Worker;
  private readonly interrupt = new Int32Array(new SharedArrayBuffer(4));
  private readonly progress = new Int32Array(new SharedArrayBuffer(4));
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private death: ErrorValue | undefined;
  private markDied!: () => void;
  /** Settles when the thread dies or is closed. */
  readonly died = new Promise<void>((resolve) => (this.markDied = resolve));
  private readonly started: Promise<void>;

  private constructor(
    index: number,
    private readonly options: PyodideWorkerHostOptions,
  ) {
    this.label = `pyodide worker thread #${index}`;
    const data: PyodideWorkerData = {
      stderr: options.stderr ?? 'forward',
      timeoutMs: options.timeoutMs ?? 0,
      interrupt: this.interrupt.buffer as SharedArrayBuffer,
      progress: this.progress.buffer as SharedArrayBuffer,
    };
    this.worker = new Worker(workerScript(), { workerData: data });
    this.worker.unref();
    this.started = new Promise((resolve, reject) => this.waiting.set(0, { resolve: () => resolve(), reject }));
    this.worker.on('message', (msg: WorkerResponse) => {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.id === 0 && msg.error) w.reject(new PythonHostError('PythonNotFound', msg.error));
      else w.resolve(msg);
    });
    this.worker.on('error', (err) => this.die(systemError('Internal', `${this.label} failed: ${err.message}`)));
    this.worker.on('exit', () =>
      this.die(systemError('Internal', `${this.label} exited while running this event; it was restarted`)),
    );
  }

  static async start(index: number, options: PyodideWorkerHostOptions): Promise<ThreadWorker> {
    const worker = new ThreadWorker(index, options);
    await worker.started;
    return worker;
  }

  get isDead(): boolean {
    return this.death !== undefined;
  }

  async load(program: Program, options: LoadOptions = {}): Promise<void> {
    const response = await this.request({ id: 0, kind: 'load', program: JSON.stringify(program), resumeDetached: options.resumeDetached === true });
    if (response.error) throw new PythonHostError('LoadFailed', `cannot load the program: ${response.error}`);
  }

  async batch(requests: HostRequest[]): Promise<HostResult[]> {
    const timeoutMs = this.options.timeoutMs ?? 0;
    const watchdog = timeoutMs > 0 ? this.watch(timeoutMs) : undefined;
    try {
      return this.results(await this.request({ id: 0, kind: 'batch', requests: stringifyForKernel(requests) }));
    } finally {
      if (watchdog) clearInterval(watchdog);
    }
  }

  deathError(): ErrorValue {
    return this.death ?? systemError('Internal', `${this.label} is not running`);
  }

  async close(): Promise<void> {
    this.death ??= systemError('Internal', `${this.label} is closed`);
    this.markDied();
    for (const w of this.waiting.values()) w.reject(new PythonHostError('Closed', `${this.label} is closed`));
    this.waiting.clear();
    await this.worker.terminate();
  }

  private results(response: WorkerResponse): HostResult[] {
    if (response.error) throw new PythonHostError('Protocol', response.error);
    const maxMb = this.options.maxMemoryMb ?? 0;
    if (maxMb > 0 && (response.memory ?? 0) > maxMb * 1024 * 1024) {
      // The results are good; the worker is replaced before its next batch.
      this.terminate(systemError('Internal', `${this.label} grew to ${Math.round((response.memory ?? 0) / 1048576)} MiB, over the ${maxMb} MiB limit; it was restarted`));
    }
    // Pyodide's exit (os._exit in a method) leaves the call without a value.
    if (typeof response.results !== 'string') throw new PythonHostError('Protocol', `${this.label} gave no answer (did a method call os._exit()?)`);
    return readBatchAnswer(response.results);
  }

  /** Interrupts the event that runs past the limit; terminates the thread if it does not stop. */
  private watch(timeoutMs: number): NodeJS.Timeout {
    let index = 0;
    let since = performance.now();
    let interruptedAt = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      const current = Atomics.load(this.progress, 0);
      if (current !== index) {
        index = current;
        since = now;
        interruptedAt = 0;
        return;
      }
      if (index === 0 || now - since < timeoutMs) return;
      if (interruptedAt === 0) {
        interruptedAt = now;
        Atomics.store(this.interrupt, 0, 2); // SIGINT: KeyboardInterrupt at the next bytecode
      } else if (now - interruptedAt > timeoutMs + 1000) {
        this.terminate(
          {
            type: 'TimeoutError',
            message: `the event ran past the ${timeoutMs} ms time limit and did not stop when interrupted; its Pyodide worker was restarted`,
          },
          index - 1,
        );
      }
    }, Math.max(5, Math.min(100, timeoutMs / 4)));
    timer.unref();
    return timer;
  }

  /**
   * Stops the thread. With `running` (the index of the event the thread is stuck on), the
   * batch it was running (the oldest one waiting: the thread answers in order) learns
   * which event that is, so only that one fails; the others are run again.
   */
  private terminate(error: ErrorValue, running?: number): void {
    this.die(error, running);
    void this.worker.terminate();
  }

  private die(error: ErrorValue, running?: number): void {
    if (this.death) return;
    this.death = error;
    this.markDied();
    const err = new PythonHostError('ProcessExited', error.message);
    const oldest = Math.min(...this.waiting.keys());
    for (const [id, w] of this.waiting) {
      w.reject(id === oldest && running !== undefined ? new PythonHostError('ProcessExited', error.message, { culprit: { index: running, error } }) : err);
    }
    this.waiting.clear();
  }

  private request(msg: WorkerRequest): Promise<WorkerResponse> {
    if (this.death) return Promise.reject(new PythonHostError('ProcessExited', this.death.message));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }
}

/**
 * Runs the kernel on Pyodide in worker threads, one Pyodide per thread, so several
 * cores run Python and the event loop stays free. Instances are partitioned over the
 * threads by entity and key. A hop past `timeoutMs` is interrupted (`TimeoutError`);
 * a thread that does not stop, dies, or outgrows `maxMemoryMb` is replaced.
 */
export class PyodideWorkerHost extends PooledHost {
  readonly kind = 'pyodide';

  private constructor(pool: WorkerPool) {
    super(pool, 'the Pyodide Python host');
  }

  /** Starts the worker threads (each loads Pyodide: about 1.5–3 s, in parallel). */
  static async start(options: PyodideWorkerHostOptions = {}): Promise<PyodideWorkerHost> {
    const count = workerCount(options.workers);
    const workers = await Promise.all(Array.from({ length: count }, (_, i) => ThreadWorker.start(i, options)));
    return new PyodideWorkerHost(supervisedPool(workers, (i) => ThreadWorker.start(i, options), options.onRestart));
  }
}
