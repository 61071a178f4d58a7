import type { EntityState, Event, Program } from '@stateflow/ir';

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

/** What the kernel made of one {@link HostRequest}. */
export interface HostResult {
  /** New state of the target; absent when unchanged. */
  state?: EntityState;
  /** Events to route next (`Invoke`, `Read`, `Insert`, `Reply`, `Response`). */
  out: Event[];
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
  /** Loads (or replaces) the program: executes its module and indexes its entities. */
  load(program: Program): Promise<void>;
  process(batch: HostRequest[]): Promise<HostResult[]>;
  /** Stops the interpreter(s); the host cannot be used afterwards. */
  close(): Promise<void>;
}
