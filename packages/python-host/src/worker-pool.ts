import type { ErrorValue, Event, Program } from '@stateflow/ir';
import { PythonHostError } from './errors.js';
import type { HostRequest, HostResult, LocalRoute, RoutedResult } from './host.js';
import { workerIndex } from './partition.js';

/** One restartable kernel worker (a CPython process or a Pyodide worker thread). */
export interface KernelWorker {
  readonly label: string;
  /** Whether the worker died (crash, killed, hard time limit); a dead worker is replaced. */
  readonly isDead: boolean;
  /** Loads the program. */
  load(program: Program): Promise<void>;
  /** Processes a batch; rejects when the worker dies or overruns its hard deadline (then it is dead). */
  batch(requests: HostRequest[]): Promise<HostResult[]>;
  /** A batch with local routing (see `PythonHost.processOn`); workers without it run plain batches. */
  routed?(requests: HostRequest[], route: LocalRoute): Promise<RoutedResult>;
  /** Fails each event with its error without running user code (`Kernel.fail`). */
  fail(items: Array<{ event: Event; error: ErrorValue }>): Promise<HostResult[]>;
  /** Why the worker died, as the error of the event it was running. */
  deathError(): ErrorValue;
  close(): Promise<void>;
}

/**
 * Partitions batches over restartable workers by entity and key ({@link workerIndex}),
 * and supervises them: a worker that dies (crash, memory, time limit) is replaced and
 * its batch is re-run one event at a time on fresh workers, so only the event that
 * kills a worker fails (with `TimeoutError` or `Internal`), and the others of the batch
 * are unaffected. Re-running is safe: a hop is a pure function of event and state (a
 * `chained` request is re-run on the state its predecessor's result left).
 */
export class WorkerPool {
  private readonly workers: KernelWorker[];
  private readonly restarting = new Map<number, Promise<KernelWorker>>();
  private program: Program | undefined;
  /** Workers replaced so far. */
  restarts = 0;
  /** Called when a worker is replaced. */
  onRestart: ((label: string, reason: string) => void) | undefined;

  constructor(
    initial: KernelWorker[],
    private readonly spawn: (index: number) => Promise<KernelWorker>,
  ) {
    this.workers = initial;
  }

  get size(): number {
    return this.workers.length;
  }

  async load(program: Program): Promise<void> {
    this.program = program;
    await Promise.all(this.workers.map(async (_, i) => (await this.ready(i)).load(program)));
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
   * Runs a batch on worker `w` with local routing. If the worker dies, the batch is
   * re-run like any other (one event at a time, without local routing), so the result
   * then has no `local` part.
   */
  async processOn(w: number, batch: HostRequest[], route: LocalRoute): Promise<RoutedResult> {
    const worker = await this.ready(w);
    if (!worker.routed) return { results: await this.run(w, batch) };
    try {
      return await worker.routed(batch, route);
    } catch (err) {
      return { results: await this.recover(w, worker, batch, err) };
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }

  private async run(w: number, requests: HostRequest[], isolated = false): Promise<HostResult[]> {
    const worker = await this.ready(w);
    try {
      return await worker.batch(requests);
    } catch (err) {
      return this.recover(w, worker, requests, err, isolated);
    }
  }

  /** After `worker` failed `requests`: rethrows unless it died, else finds the event that killed it. */
  private async recover(
    w: number,
    worker: KernelWorker,
    requests: HostRequest[],
    err: unknown,
    isolated = false,
  ): Promise<HostResult[]> {
    if (!worker.isDead || (err instanceof PythonHostError && err.code === 'Closed')) throw err;
    const error = worker.deathError();
    if (isolated) {
      // This event killed a fresh worker on its own: it is the culprit.
      const fresh = await this.ready(w);
      return fresh.fail(requests.map((r) => ({ event: r.event, error })));
    }
    // One event at a time; a chained request gets the state its predecessor left.
    const out: HostResult[] = [];
    const last = new Map<string, HostRequest['state']>();
    for (const request of requests) {
      const event = request.event;
      const id = 'target' in event ? `${event.target.entity}\u0000${event.target.key}` : undefined;
      const state = request.chained && id !== undefined ? (last.get(id) ?? null) : request.state;
      const [result] = await this.run(w, [{ event, state }], true);
      if (id !== undefined) last.set(id, result!.state ?? state);
      out.push(result!);
    }
    return out;
  }

  /** The worker of slot `w`, replaced (and loaded) first if it died. */
  private ready(w: number): Promise<KernelWorker> {
    const current = this.workers[w]!;
    if (!current.isDead) return Promise.resolve(current);
    let pending = this.restarting.get(w);
    if (!pending) {
      pending = (async () => {
        const reason = current.deathError().message;
        const fresh = await this.spawn(w);
        if (this.program) await fresh.load(this.program);
        this.workers[w] = fresh;
        this.restarts++;
        this.onRestart?.(current.label, reason);
        return fresh;
      })().finally(() => this.restarting.delete(w));
      this.restarting.set(w, pending);
    }
    return pending;
  }
}
