import { systemError, type EntityState, type ErrorValue, type Event, type Program, type ReplyAddress } from '@stateflow/ir';
import { PythonHostError } from './errors.js';
import { resolvePython } from './find-python.js';
import type { HostRequest, HostResult, LoadOptions, LocalResult, LocalRoute, RoutedResult } from './host.js';
import { PooledHost, supervisedPool, workerCount } from './pooled-host.js';
import { workerIndex } from './partition.js';
import { KernelProcess, type ResponseFrame } from './kernel-process.js';
import type { KernelWorker, WorkerPool } from './worker-pool.js';
import { readEvents, readResults, ReplyToTable, wireRequest } from './wire-format.js';

/** Options of {@link SubprocessHost.start}. */
export interface SubprocessHostOptions {
  /**
   * The Python interpreter (3.9+): a path or a name looked up on `PATH`.
   * @default `STATEFLOW_PYTHON`, else `python3` (then `python`) on `PATH`
   */
  python?: string;
  /** Number of kernel processes; instances are partitioned over them. @default 1 */
  workers?: number;
  /** Where the processes' stderr goes. @default 'forward' */
  stderr?: 'forward' | 'capture';
  /** Time limit of one event (hop) in ms; 0 for none. @default 0 */
  timeoutMs?: number;
  /** Address-space limit of each process in MiB (`RLIMIT_AS`); 0 for none. @default 0 */
  maxMemoryMb?: number;
  /** Called when a dead process is replaced. */
  onRestart?: (label: string, reason: string) => void;
}

const MIN_PYTHON: [number, number] = [3, 9];

function unexpected(worker: { label: string }, frame: ResponseFrame): PythonHostError {
  return new PythonHostError('Protocol', `${worker.label} sent an unexpected response: ${JSON.stringify(frame).slice(0, 200)}`);
}

/** Most states a process holds (resident states) before the host makes it forget them all. */
const MAX_HELD = 200_000;

const addressOf = (event: Event): string | undefined =>
  'target' in event ? `${event.target.entity}\u0000${event.target.key}` : undefined;

/**
 * A {@link KernelWorker} over one {@link KernelProcess}, with a hard deadline per batch.
 *
 * Resident states: the kernel process keeps the latest state of every instance it ran
 * (`stateflow_kernel.chain`), and this worker keeps a mirror of it: the state object each
 * instance was left with (the result's state, else the one it ran on). A request whose
 * state is that very object (`===`: the runtime's store hands back the objects it was
 * given) is sent as `held` without its state. Anything else (first touch, a state changed
 * elsewhere, an instance in another batch still in flight) sends the state. A failed
 * batch or a load makes the next batch `reset` both sides; a restarted process is a new
 * worker with an empty mirror. So the process never runs on a state the host would not
 * have sent.
 */
class ProcessWorker implements KernelWorker {
  private readonly held = new Map<string, EntityState | null>();
  /**
   * The instance ids of each batch in flight. Not a per-instance counter in a \`Map\`: a
   * long-lived \`Map\` whose keys come and go makes V8 promote garbage on every young
   * collection (see ChurnMap in @stateflow/runtime-local).
   */
  private readonly batchesInFlight: Array<Array<string | undefined>> = [];
  private generation = 0;
  private resetNext = false;

  constructor(
    private readonly proc: KernelProcess,
    private readonly timeoutMs: number,
  ) {}

  get label(): string {
    return this.proc.label;
  }

  get isDead(): boolean {
    return this.proc.isDead;
  }

  get died(): Promise<void> {
    return this.proc.whenExited;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  async load(program: Program, options: LoadOptions = {}): Promise<void> {
    this.forget();
    // Only when set, so a plain load frame stays what it always was.
    const frame = await this.proc.request({ kind: 'load', program, ...(options.resumeDetached ? { resumeDetached: true } : {}) });
    if (frame.error) throw new PythonHostError('LoadFailed', `cannot load the program: ${frame.error.message}`);
    if (frame.ok !== true) throw unexpected(this.proc, frame);
  }

  async batch(requests: HostRequest[]): Promise<HostResult[]> {
    return (await this.run(requests)).results;
  }

  /**
   * A batch with local routing: the process also runs the events emitted for instances
   * it holds (not in `route.exclude`) in the same round trip. The mirror learns the
   * final states of the instances changed that way.
   */
  routed(requests: HostRequest[], route: LocalRoute): Promise<RoutedResult> {
    return this.run(requests, route);
  }

  private async run(requests: HostRequest[], route?: LocalRoute): Promise<RoutedResult> {
    // The kernel stops a hop past the time limit itself (and exits if the hop ignores
    // it); this deadline catches code stuck where Python cannot interrupt it.
    let timer: NodeJS.Timeout | undefined;
    if (this.timeoutMs > 0) {
      const hops = requests.length + (route ? route.maxLocal : 0);
      timer = setTimeout(() => this.proc.kill(), this.timeoutMs * (hops + 1) + 2000);
      timer.unref();
    }
    let reset = false;
    if (route?.fresh) this.forget();
    if (this.resetNext || this.held.size > MAX_HELD) {
      this.forget();
      this.resetNext = false;
      reset = true;
    }
    const generation = this.generation;
    const held = this.held;
    // Instances of this batch so far and of other batches in flight: the process's copy
    // may change before this request runs, so it goes with its state.
    const busy = new Set<string>();
    for (const other of this.batchesInFlight) for (const id of other) if (id !== undefined) busy.add(id);
    const ids: Array<string | undefined> = new Array(requests.length);
    /** Per request: it ran on the state the process held (`held` or `chained`). */
    const ranOnHeld: boolean[] = new Array(requests.length);
    const wire: unknown[] = new Array(requests.length);
    const replyTos = new ReplyToTable();
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i]!;
      const id = addressOf(request.event);
      ids[i] = id;
      if (id === undefined) {
        wire[i] = wireRequest(request, false, replyTos);
        continue;
      }
      const onHeld = !!request.chained || (!busy.has(id) && held.has(id) && held.get(id) === request.state);
      ranOnHeld[i] = onHeld;
      wire[i] = wireRequest(request, onHeld, replyTos);
      busy.add(id);
    }
    this.batchesInFlight.push(ids);
    let results: HostResult[] | undefined;
    let local: LocalResult | undefined;
    try {
      ({ results, local } = await this.send(wire, reset, route, replyTos.list, requests));
      return local ? { results, local } : { results };
    } catch (err) {
      this.resetNext = true;
      throw err;
    } finally {
      if (timer) clearTimeout(timer);
      this.batchesInFlight.splice(this.batchesInFlight.indexOf(ids), 1);
      for (let i = 0; i < requests.length; i++) {
        const id = ids[i];
        if (id === undefined) continue;
        if (results && generation === this.generation) {
          // What the process now holds for this instance, request by request.
          const ran = ranOnHeld[i] ? (held.get(id) ?? null) : requests[i]!.state;
          held.set(id, results[i]!.state ?? ran);
        }
      }
      if (local && generation === this.generation) {
        for (const { address, state } of local.states) held.set(`${address.entity}\u0000${address.key}`, state);
      }
    }
  }

  /** Forgets the mirror of held states (the next batch resets the process's copy). */
  private forget(): void {
    this.held.clear();
    this.generation++;
    this.resetNext = true;
  }

  deathError(): ErrorValue {
    const exit = this.proc.exit;
    if (this.proc.killedForTimeout || exit?.code === EXIT_TIMEOUT) {
      return {
        type: 'TimeoutError',
        message: `the event ran past the ${this.timeoutMs} ms time limit and did not stop when interrupted; its Python worker was restarted`,
      };
    }
    const fault = this.proc.deathReason;
    if (fault?.code === 'Protocol') {
      return systemError('Internal', `the Python worker was restarted while running this event: ${fault.message}`);
    }
    const how = exit ? (exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`) : 'failed';
    const memory = exit?.signal === 'SIGKILL' ? ' (killed from outside, or out of memory?)' : '';
    return systemError('Internal', `the Python worker ${how}${memory} while running this event; it was restarted. ${this.proc.stderrTail()}`.trim());
  }

  close(): Promise<void> {
    return this.proc.close();
  }

  /**
   * Sends one `batch` frame. With compact requests (see `wire-format.ts`), `replyTo` is
   * the frame's reply-address table and `requests` the requests the compact results are
   * read against.
   */
  private async send(
    wire: unknown[],
    reset: boolean,
    route: LocalRoute | undefined,
    replyTo: ReplyAddress[],
    requests: HostRequest[],
  ): Promise<{ results: HostResult[]; local?: LocalResult }> {
    const body: Record<string, unknown> = { kind: 'batch', requests: wire };
    if (replyTo.length > 0) body.replyTo = replyTo;
    if (reset) body.reset = true;
    if (route) body.route = { exclude: route.exclude.map((a) => [a.entity, a.key]), maxSeq: route.maxSeq, maxLocal: route.maxLocal };
    const frame = await this.proc.request(body);
    if (frame.error) {
      // The kernel could not read this batch or encode its answer (serve.py answers that
      // with the request's id): the pool re-runs its events one by one.
      const { type, message } = frame.error;
      const text = `${this.proc.label} failed a batch: ${type}: ${message}`;
      if (type !== 'EncodingError') throw new PythonHostError('Protocol', text);
      throw new PythonHostError('Unencodable', text, { error: { type: 'EncodingError', code: 'EncodingError', message } });
    }
    if (!Array.isArray(frame.results) || frame.results.length !== wire.length) throw unexpected(this.proc, frame);
    const results = readResults(frame.results, requests, replyTo);
    const raw = frame.local;
    if (!raw) return { results };
    const states = raw.states.map(([entity, key, state]) => ({ address: { entity, key }, state: state as EntityState }));
    return { results, local: { states, out: readEvents(raw.out, replyTo), count: raw.count } };
  }
}

/** Exit status of a kernel process that ignored its time limit (`serve.py`). */
const EXIT_TIMEOUT = 75;

/**
 * Runs the kernel in CPython subprocesses (`python -m stateflow_kernel.serve`), talking
 * length-prefixed JSON frames over stdin/stdout. With `workers > 1`, requests for the
 * same entity instance always go to the same process (hash of entity and key), so each
 * process sees a disjoint set of instances; a batch is split per process and the
 * results are put back in request order. A process that dies (crash, memory limit,
 * time limit) is restarted; only the event that killed it fails.
 */
export class SubprocessHost extends PooledHost {
  readonly kind = 'subprocess';

  private constructor(
    /** Absolute path of the interpreter. */
    readonly python: string,
    pool: WorkerPool,
  ) {
    super(pool, 'the subprocess Python host');
  }

  /** Resolves the interpreter, starts the processes and checks their Python version. */
  static async start(options: SubprocessHostOptions = {}): Promise<SubprocessHost> {
    const python = resolvePython(options.python);
    const count = workerCount(options.workers);
    const limits = {
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxMemoryMb ? { maxMemoryMb: options.maxMemoryMb } : {}),
    };
    const spawn = (i: number) => new KernelProcess(python, i, options.stderr ?? 'forward', limits);
    const procs = Array.from({ length: count }, (_, i) => spawn(i));
    try {
      const pongs = await Promise.all(procs.map((w) => w.request({ kind: 'ping' })));
      const version = pongs[0]?.python ?? '0.0.0';
      const [major = 0, minor = 0] = version.split('.').map(Number);
      if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
        throw new PythonHostError(
          'PythonTooOld',
          `${python} is Python ${version}; the StateFlow kernel needs Python ${MIN_PYTHON.join('.')} or newer.`,
        );
      }
    } catch (err) {
      await Promise.all(procs.map((w) => w.close()));
      if (err instanceof PythonHostError && err.code === 'ProcessExited') {
        throw new PythonHostError(
          'PythonNotFound',
          `cannot start the StateFlow kernel with ${python}: is it a Python ${MIN_PYTHON.join('.')}+ interpreter? ` +
            `Set STATEFLOW_PYTHON (or the \`python\` option) to one.\n${err.message}`,
          { cause: err },
        );
      }
      throw err;
    }
    const timeoutMs = options.timeoutMs ?? 0;
    const pool = supervisedPool(
      procs.map((p) => new ProcessWorker(p, timeoutMs)),
      async (i) => new ProcessWorker(spawn(i), timeoutMs),
      options.onRestart,
    );
    return new SubprocessHost(python, pool);
  }

  /** Number of kernel processes. */
  get size(): number {
    return this.pool.size;
  }

  /** Process ids of the kernel processes running now, one per worker (for monitoring). */
  get pids(): number[] {
    return this.pool.current().flatMap((w) => {
      const pid = (w as ProcessWorker).pid;
      return pid === undefined ? [] : [pid];
    });
  }

  partitionOf(event: Event): number {
    return workerIndex(event, this.pool.size);
  }

  async processOn(worker: number, batch: HostRequest[], route: LocalRoute): Promise<RoutedResult> {
    this.assertReady('processOn');
    if (batch.length === 0) return { results: [] };
    return this.pool.processOn(worker, batch, route);
  }
}
