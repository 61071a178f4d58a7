import type { EntityAddress, EntityState, Event, Program } from '@stateflow/ir';

/** One unit of work for the kernel: an event and the current state of its target. */
export interface HostRequest {
  event: Event;
  /** Encoded state of the target instance, or `null` when absent (or no target). Ignored when `chained`. */
  state: EntityState | null;
  /**
   * The target's state is the one the previous request for the same target in this
   * batch left behind (the state it returned, else the state it ran on), so several
   * events of one instance run in one batch, in order. Hosts keep the requests of one
   * target in order and on the same worker.
   */
  chained?: boolean;
}

/** Options of {@link PythonHost.load}: how the kernel runs the program. */
export interface LoadOptions {
  /**
   * Run a caller's detached resume block (IR `Block.detached`) where the value it waits
   * for is produced, with no trip back to the caller's instance (the kernel's
   * `resume_detached`). A `Response` may then come from an instance other than the one
   * the request started at, naming that one in `origin`: only a runtime that handles
   * that may turn it on.
   * @default false
   */
  resumeDetached?: boolean;
}

/** What the kernel made of one {@link HostRequest}. */
export interface HostResult {
  /** New state of the target; absent when unchanged. */
  state?: EntityState;
  /** Events to route next (`Invoke`, `Read`, `Insert`, `Reply`, `Response`). */
  out: Event[];
}

/**
 * Local routing for one batch ({@link PythonHost.processOn}): the worker also runs, in
 * the same round trip, the events the batch emits for instances it holds (its own
 * partition), except those listed in `exclude`.
 */
export interface LocalRoute {
  /** Instances of the worker's partition with events still queued outside this batch: they must not be overtaken, so their events leave the worker. */
  exclude: EntityAddress[];
  /** An event with a higher `seq` leaves the worker, so the caller's hop limit applies. */
  maxSeq: number;
  /** Most events run locally in one round trip; the rest leave the worker. */
  maxLocal: number;
  /** The states the worker holds from earlier batches may be stale (written elsewhere): forget them first. */
  fresh?: boolean;
}

/** What a routed batch did besides the results of its own requests. */
export interface LocalResult {
  /** Final state of every instance the local events changed (written after the requests' states). */
  states: Array<{ address: EntityAddress; state: EntityState }>;
  /** Events the local events emitted that left the worker (other workers, excluded instances, `Response`). */
  out: Event[];
  /** Events run locally (produced and consumed inside the round trip). */
  count: number;
}

/** Result of {@link PythonHost.processOn}. */
export interface RoutedResult {
  /** One per request, in order; their `out` lacks the events that ran locally. */
  results: HostResult[];
  /** Absent when nothing ran locally (e.g. the batch was re-run after a worker died). */
  local?: LocalResult;
}

/**
 * Runs the Python kernel for one program. Implementations: an in-process Pyodide
 * host and a CPython subprocess pool. `process` takes a batch so a host crosses the
 * Node/Python boundary once per batch; results are in request order. Requests in one
 * batch target distinct instances, or are the events of one instance in arrival order
 * with `chained` set on all but the first (the runtime guarantees it).
 */
export interface PythonHost {
  /** Short name for logs and errors, e.g. `pyodide` or `subprocess`. */
  readonly kind: string;
  /** How many batches the host can run at once (its worker count); the runtime keeps that many in flight. @default 1 */
  readonly parallelism?: number;
  /** Workers restarted so far (after a crash, a time limit or a memory limit). */
  readonly restarts?: number;
  /**
   * Why the host cannot run events right now (closed, or every worker dead or being
   * replaced), or `undefined` when it can. A runtime reports itself not ready meanwhile.
   * Absent means always able.
   */
  unavailable?(): string | undefined;
  /**
   * Loads (or replaces) the program: executes its module and indexes its entities. The
   * options hold until the next load (a restarted worker loads with them too).
   */
  load(program: Program, options?: LoadOptions): Promise<void>;
  process(batch: HostRequest[]): Promise<HostResult[]>;
  /**
   * The worker (0 ≤ n < `parallelism`) that owns an event's target instance (or, for a
   * `Construct`, that runs it). Present only on hosts that implement {@link processOn}.
   */
  partitionOf?(event: Event): number;
  /**
   * Runs a batch on one worker with local routing. Every request's event must belong to
   * that worker (`partitionOf`), and the caller keeps at most one batch in flight per
   * worker and sends no `process` batch meanwhile: then running an event inside the
   * round trip is the same as returning it and sending it back in the next batch.
   */
  processOn?(worker: number, batch: HostRequest[], route: LocalRoute): Promise<RoutedResult>;
  /** Stops the interpreter(s); the host cannot be used afterwards. */
  close(): Promise<void>;
}
