import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { EntityState, Event, Program } from '@stateflow/ir';
import { kernelPythonDir } from '@stateflow/python-kernel';

/**
 * The Python kernel in a CPython subprocess, spoken to through its frame server
 * (`python -m stateflow_kernel.serve`, see the `@stateflow/python-kernel` README).
 *
 * This is the one piece every backend needs in some form: StateFlow methods are Python,
 * and the kernel is what runs them. An engine written in another language (Java, Go,
 * Rust) does exactly what this file does: start the process with the kernel's `python/`
 * folder on `PYTHONPATH`, then exchange frames on its stdin and stdout. A frame is a
 * 4-byte big-endian length followed by that many bytes of UTF-8 JSON.
 *
 * (Node backends may use `@stateflow/python-host` instead, which adds a worker pool and
 * an in-process Pyodide option. This template spells the protocol out to show it is small.)
 */

/** One event for the kernel, with the current state of its target (`null`: no instance). */
export interface KernelRequest {
  event: Event;
  state: EntityState | null;
}

/** What one hop did: the new state (only when it changed) and the events it emitted. */
export interface KernelResult {
  state?: EntityState;
  out: Event[];
}

/** The kernel process failed: Python is missing, the program does not load, the process died. */
export class KernelError extends Error {
  override name = 'KernelError';
}

type Waiter = { resolve: (frame: Frame) => void; reject: (error: Error) => void };
type Frame = { id: number; ok?: boolean; error?: { type: string; message: string }; results?: KernelResult[] };

/** A running `python -m stateflow_kernel.serve`. */
export class KernelProcess {
  private buffered = Buffer.alloc(0);
  /** The server answers in request order, so a FIFO of waiters is all the bookkeeping needed. */
  private readonly waiters: Waiter[] = [];
  private stderrTail = '';
  private exited: KernelError | undefined;
  private nextId = 1;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    // Writing to a process that just died fails with EPIPE; the 'exit' handler reports it.
    child.stdin.on('error', () => {});
    // User `print` output goes to stderr (the server keeps stdout for frames); keep the end
    // of it so a crash can be explained.
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'ENOENT' ? ' (install Python 3.9+ or set STATEFLOW_PYTHON to an interpreter)' : '';
      this.fail(new KernelError(`cannot start the Python kernel: ${err.message}${hint}`));
    });
    child.on('exit', (code, signal) => {
      const tail = this.stderrTail.trim() ? `; its last output:\n${this.stderrTail.trim()}` : '';
      this.fail(new KernelError(`the Python kernel process exited (${signal ?? `status ${code}`})${tail}`));
    });
  }

  /**
   * Starts the frame server and waits until it answers a `ping`.
   * @param python the interpreter; default `STATEFLOW_PYTHON`, else `python3`
   */
  static async start(python = process.env['STATEFLOW_PYTHON'] || 'python3'): Promise<KernelProcess> {
    const child = spawn(python, ['-m', 'stateflow_kernel.serve'], {
      env: { ...process.env, PYTHONPATH: kernelPythonDir() },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const kernel = new KernelProcess(child);
    await kernel.call({ kind: 'ping' });
    return kernel;
  }

  /** Loads (or replaces) the program: the kernel executes its Python module once. */
  async load(program: Program): Promise<void> {
    const frame = await this.call({ kind: 'load', program });
    if (frame.error) throw new KernelError(`the program does not load in the kernel: ${frame.error.message}`);
  }

  /**
   * Runs a batch of events, one hop each, and returns one result per request, in order.
   * User exceptions are not failures here: they come back as `Reply`/`Response` events
   * carrying `{error}`. This rejects only when the kernel itself cannot answer.
   */
  async process(requests: KernelRequest[]): Promise<KernelResult[]> {
    const frame = await this.call({ kind: 'batch', requests });
    if (frame.error || !frame.results) throw new KernelError(`the kernel failed a batch: ${frame.error?.message ?? 'no results'}`);
    return frame.results;
  }

  /** Ends the process (closing stdin makes the server exit) and waits for it. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    await gone;
  }

  private call(request: { kind: string; [field: string]: unknown }): Promise<Frame> {
    if (this.exited) return Promise.reject(this.exited);
    const text = JSON.stringify({ ...request, id: this.nextId++ });
    const frame = Buffer.alloc(4 + Buffer.byteLength(text));
    frame.writeUInt32BE(frame.length - 4, 0);
    frame.write(text, 4, 'utf8');
    return new Promise<Frame>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.child.stdin.write(frame);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    // A chunk may hold part of a frame, or several frames: take every complete one.
    while (this.buffered.length >= 4) {
      const length = this.buffered.readUInt32BE(0);
      if (this.buffered.length < 4 + length) return;
      const frame = JSON.parse(this.buffered.toString('utf8', 4, 4 + length)) as Frame;
      this.buffered = this.buffered.subarray(4 + length);
      this.waiters.shift()?.resolve(frame);
    }
  }

  private fail(error: KernelError): void {
    this.exited ??= error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.exited);
  }
}
