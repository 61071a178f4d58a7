import type { Program } from '@stateflow/ir';
import { PythonHostError } from './errors.js';
import type { HostRequest, HostResult, LoadOptions, PythonHost } from './host.js';
import { WorkerPool, type KernelWorker } from './worker-pool.js';

/**
 * Number of workers a host starts: the `workers` option, at least 1, whole.
 *
 * @param workers - the option as given, or `undefined` for the default (1)
 */
export function workerCount(workers: number | undefined): number {
  return Math.max(1, Math.floor(workers ?? 1));
}

/**
 * A {@link WorkerPool} over the first workers, that starts replacements with `spawn` and
 * reports them to `onRestart` (when given).
 */
export function supervisedPool(
  initial: KernelWorker[],
  spawn: (index: number) => Promise<KernelWorker>,
  onRestart: ((label: string, reason: string) => void) | undefined,
): WorkerPool {
  const pool = new WorkerPool(initial, spawn);
  if (onRestart) pool.onRestart = onRestart;
  return pool;
}

/**
 * The part of a {@link PythonHost} that is the same for every host over a
 * {@link WorkerPool} (Pyodide worker threads, CPython subprocesses): the
 * open → loaded → closed lifecycle and the plain batch path. It exists so those hosts
 * keep one copy of the lifecycle checks and their error messages; what differs per
 * host (how workers start, routed batches) stays in the subclass.
 */
export abstract class PooledHost implements PythonHost {
  abstract readonly kind: string;
  private loaded = false;
  private closed = false;

  /**
   * @param pool - the supervised workers
   * @param description - how the `Closed` error names this host, e.g. `the Pyodide Python host`
   */
  protected constructor(
    protected readonly pool: WorkerPool,
    private readonly description: string,
  ) {}

  /** How many batches run at once: one per worker. */
  get parallelism(): number {
    return this.pool.size;
  }

  /** Workers replaced so far. */
  get restarts(): number {
    return this.pool.restarts;
  }

  unavailable(): string | undefined {
    return this.closed ? `${this.description} is closed` : this.pool.unavailable();
  }

  async load(program: Program, options?: LoadOptions): Promise<void> {
    this.assertOpen();
    await this.pool.load(program, options);
    this.loaded = true;
  }

  async process(batch: HostRequest[]): Promise<HostResult[]> {
    this.assertReady('process');
    if (batch.length === 0) return [];
    return this.pool.process(batch);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.close();
  }

  /** Throws `Closed` after {@link close}, else `NotLoaded` before {@link load}; `method` names the caller in the message. */
  protected assertReady(method: string): void {
    this.assertOpen();
    if (!this.loaded) throw new PythonHostError('NotLoaded', `no program is loaded: call load(program) before ${method}()`);
  }

  private assertOpen(): void {
    if (this.closed) throw new PythonHostError('Closed', `${this.description} is closed`);
  }
}
