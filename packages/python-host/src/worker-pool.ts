import { systemError, type ErrorValue, type Program } from '@stateflow/ir';
import { isHostDown, PythonHostError } from './errors.js';
import { failedResult } from './fail-event.js';
import { runOneByOne } from './one-by-one.js';
import type { HostRequest, HostResult, LoadOptions, LocalRoute, RoutedResult } from './host.js';
import { workerIndex } from './partition.js';
import { SlotGate } from './slot-gate.js';

/** One restartable kernel worker (a CPython process or a Pyodide worker thread). */
export interface KernelWorker {
  readonly label: string;
  /** Whether the worker died (crash, killed, hard time limit, protocol fault); a dead worker is replaced. */
  readonly isDead: boolean;
  /** Loads the program. */
  load(program: Program, options?: LoadOptions): Promise<void>;
  /** Processes a batch; rejects when the worker dies or overruns its hard deadline (then it is dead), or cannot run the batch. */
  batch(requests: HostRequest[]): Promise<HostResult[]>;
  /** A batch with local routing (see `PythonHost.processOn`); workers without it run plain batches. */
  routed?(requests: HostRequest[], route: LocalRoute): Promise<RoutedResult>;
  /** Why the worker died, as the error of the event it was running. */
  deathError(): ErrorValue;
  /** Settles when the worker dies (or is closed), so the pool replaces it at once, not at the next batch. */
  readonly died?: Promise<void>;
  close(): Promise<void>;
}

/**
 * Partitions batches over restartable workers by entity and key ({@link workerIndex}),
 * and supervises them. A batch that fails as a whole (its worker died: crash, memory,
 * time limit, protocol fault; or the batch could not be encoded or read) is re-run one
 * event at a time, alone on its worker (a dead worker is replaced first), so only the
 * event at fault fails: with the worker's death error (`TimeoutError`, `Internal`) or
 * the encoding error, sent to its waiting frame as if the hop had raised
 * ({@link failedResult}); the other events run normally. Re-running is safe: a hop is a
 * pure function of event and state (a `chained` request is re-run on the state its
 * predecessor's result left), and nothing of a failed batch was kept.
 */
export class WorkerPool {
  private readonly workers: KernelWorker[];
  private readonly gates: SlotGate[];
  private readonly restarting = new Map<number, Promise<KernelWorker>>();
  private program: Program | undefined;
  private loadOptions: LoadOptions = {};
  private closed = false;
  /** Workers replaced so far. */
  restarts = 0;
  /** Called when a worker is replaced. */
  onRestart: ((label: string, reason: string) => void) | undefined;

  constructor(
    initial: KernelWorker[],
    private readonly spawn: (index: number) => Promise<KernelWorker>,
  ) {
    this.workers = initial;
    this.gates = initial.map(() => new SlotGate());
    initial.forEach((worker, w) => this.replaceWhenDead(w, worker));
  }

  /** Starts replacing `worker` (slot `w`) as soon as it dies, so the slot is working again without waiting for a batch. */
  private replaceWhenDead(w: number, worker: KernelWorker): void {
    void worker.died?.then(() => {
      // A failed restart is tried again by the next batch for this slot.
      if (!this.closed && this.workers[w] === worker) this.ready(w).catch(() => undefined);
    });
  }

  get size(): number {
    return this.workers.length;
  }

  /** The workers of every slot now (a dead one until it is replaced). */
  current(): readonly KernelWorker[] {
    return this.workers;
  }

  /**
   * Why the pool cannot run events now (closed, or no worker alive: all dead or being
   * replaced), or `undefined` when at least one worker can.
   */
  unavailable(): string | undefined {
    if (this.closed) return 'the Python host is closed';
    if (this.workers.some((w) => !w.isDead)) return undefined;
    const reasons = [...new Set(this.workers.map((w) => w.deathError().message))];
    return `no Python worker is running (being restarted after: ${reasons.join('; ')})`;
  }

  async load(program: Program, options: LoadOptions = {}): Promise<void> {
    this.program = program;
    this.loadOptions = options;
    await Promise.all(this.workers.map(async (_, i) => (await this.ready(i)).load(program, options)));
  }

  async process(batch: HostRequest[]): Promise<HostResult[]> {
    const n = this.workers.length;
    if (n === 1) return this.run(0, batch);
    const parts: { indexes: number[]; requests: HostRequest[] }[] = Array.from({ length: n }, () => ({ indexes: [], requests: [] }));
    for (let i = 0; i < batch.length; i++) {
      const part = parts[workerIndex(batch[i]!.event, n)]!;
      part.indexes.push(i);
      part.requests.push(batch[i]!);
    }
    const results: HostResult[] = new Array<HostResult>(batch.length);
    await Promise.all(
      parts.map(async (part, w) => {
        if (part.requests.length === 0) return;
        const out = await this.run(w, part.requests);
        for (let j = 0; j < part.indexes.length; j++) results[part.indexes[j]!] = out[j]!;
      }),
    );
    return results;
  }

  /**
   * Runs a batch on worker `w` with local routing. If it fails, the batch is re-run like
   * any other (one event at a time, without local routing), so the result then has no
   * `local` part.
   */
  async processOn(w: number, batch: HostRequest[], route: LocalRoute): Promise<RoutedResult> {
    try {
      return await this.gates[w]!.shared(async () => {
        const worker = await this.ready(w);
        return worker.routed ? worker.routed(batch, route) : { results: await worker.batch(batch) };
      });
    } catch (err) {
      return { results: await this.recover(w, batch, err) };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.close()));
  }

  private async run(w: number, requests: HostRequest[]): Promise<HostResult[]> {
    try {
      return await this.gates[w]!.shared(async () => (await this.ready(w)).batch(requests));
    } catch (err) {
      return this.recover(w, requests, err);
    }
  }

  /**
   * After `requests` failed as a batch with `err`: rethrows when the host is down (closed,
   * a worker that cannot start), else re-runs them one at a time, alone on the worker.
   */
  private async recover(w: number, requests: HostRequest[], err: unknown): Promise<HostResult[]> {
    if (this.closed || isHostDown(err)) throw err;
    // The event a worker was stopped on (time limit) fails without running again.
    const culprit = err instanceof PythonHostError ? err.culprit : undefined;
    return this.gates[w]!.exclusive(() =>
      runOneByOne(requests, (request, i) =>
        i === culprit?.index ? Promise.resolve(failedResult(request.event, culprit.error)) : this.runAlone(w, request),
      ),
    );
  }

  /** Runs one event alone on worker `w`; if it fails there, it is the event at fault and fails (without the kernel). */
  private async runAlone(w: number, request: HostRequest): Promise<HostResult> {
    const worker = await this.ready(w);
    try {
      const [result] = await worker.batch([request]);
      if (!result) throw new PythonHostError('Protocol', `${worker.label} returned no result for one event`);
      return result;
    } catch (err) {
      if (this.closed || isHostDown(err)) throw err;
      return failedResult(request.event, worker.isDead ? worker.deathError() : errorValueOf(err));
    }
  }

  /** The worker of slot `w`, replaced (and loaded) first if it died. */
  private ready(w: number): Promise<KernelWorker> {
    const current = this.workers[w]!;
    if (!current.isDead) return Promise.resolve(current);
    if (this.closed) return Promise.reject(new PythonHostError('Closed', 'the Python host is closed'));
    let pending = this.restarting.get(w);
    if (!pending) {
      pending = (async () => {
        const reason = current.deathError().message;
        let fresh: KernelWorker | undefined;
        try {
          fresh = await this.spawn(w);
          if (this.program) await fresh.load(this.program, this.loadOptions);
        } catch (err) {
          await fresh?.close().catch(() => undefined);
          // A worker that cannot be started again leaves its slot without one: the host is
          // down (the caller keeps its events), not the batch at fault.
          if (isHostDown(err)) throw err;
          const message = err instanceof Error ? err.message : String(err);
          throw new PythonHostError('PythonNotFound', `cannot start a replacement for ${current.label}: ${message}`, { cause: err });
        }
        if (this.closed) {
          await fresh.close();
          throw new PythonHostError('Closed', 'the Python host is closed');
        }
        this.workers[w] = fresh;
        this.replaceWhenDead(w, fresh);
        this.restarts++;
        this.onRestart?.(current.label, reason);
        return fresh;
      })().finally(() => this.restarting.delete(w));
      this.restarting.set(w, pending);
    }
    return pending;
  }
}

/** The error an event gets when it fails alone with `err` on a live worker. */
export function errorValueOf(err: unknown): ErrorValue {
  if (err instanceof PythonHostError && err.error) return err.error;
  const message = err instanceof Error ? err.message : String(err);
  return systemError('Internal', `the Python host could not run this event: ${message}`);
}
