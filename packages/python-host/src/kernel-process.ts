import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { delimiter } from 'node:path';
import { kernelPythonDir } from '@stateflow/python-kernel';
import { PythonHostError } from './errors.js';
import { encodeFrame, FrameDecoder } from './frames.js';

/** A response frame of `python -m stateflow_kernel.serve`. */
export interface ResponseFrame {
  id: number;
  ok?: boolean;
  python?: string;
  results?: unknown[];
  /** Present on a batch sent with `route` (local routing). */
  local?: { states: Array<[string, string, unknown]>; out: unknown[]; count: number };
  error?: { type: string; message: string };
  /** The last frame of a process that exits because a hop ignored its time limit: the index of that request. */
  stopped?: number;
}

interface Pending {
  id: number;
  resolve: (frame: ResponseFrame) => void;
  reject: (error: Error) => void;
}

const STDERR_TAIL = 4000;

/**
 * One CPython process running the kernel server. Requests are pipelined: each gets an
 * id, responses come back in order and settle a FIFO of pending promises.
 */
export class KernelProcess {
  readonly label: string;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly decoder = new FrameDecoder();
  private readonly pending: Pending[] = [];
  private nextId = 1;
  private stderrTail_ = '';
  private dead: PythonHostError | undefined;
  private closing = false;
  private readonly exited: Promise<void>;

  /** Why the process ended: exit code and signal, once it has. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Set when the host killed the process because a batch ran past its hard deadline. */
  killedForTimeout = false;

  constructor(
    readonly python: string,
    index: number,
    private readonly stderrMode: 'forward' | 'capture',
    limits: { timeoutMs?: number; maxMemoryMb?: number } = {},
  ) {
    this.label = `python kernel #${index} (${python})`;
    const env = { ...process.env };
    if (limits.timeoutMs) env['STATEFLOW_TIMEOUT_MS'] = String(limits.timeoutMs);
    if (limits.maxMemoryMb) env['STATEFLOW_MAX_MEMORY_MB'] = String(limits.maxMemoryMb);
    env['PYTHONPATH'] = env['PYTHONPATH'] ? kernelPythonDir() + delimiter + env['PYTHONPATH'] : kernelPythonDir();
    env['PYTHONDONTWRITEBYTECODE'] = '1';
    env['PYTHONIOENCODING'] = 'utf-8';
    this.child = spawn(python, ['-m', 'stateflow_kernel.serve'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        this.die(new PythonHostError('ProcessExited', this.describeDeath(how)));
        resolve();
      });
    });
    this.child.once('error', (err: NodeJS.ErrnoException) => {
      const message =
        err.code === 'ENOENT' || err.code === 'EACCES'
          ? `cannot start ${python}: ${err.message}. Set STATEFLOW_PYTHON (or the \`python\` option) to a Python 3.9+ executable.`
          : `${this.label} failed: ${err.message}`;
      this.die(new PythonHostError(err.code === 'ENOENT' || err.code === 'EACCES' ? 'PythonNotFound' : 'ProcessExited', message, { cause: err }));
    });
    this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.stderrTail_ = (this.stderrTail_ + text).slice(-STDERR_TAIL);
      if (this.stderrMode === 'forward') process.stderr.write(text);
    });
    // A closed pipe surfaces as 'close' on the process; ignore write errors here.
    this.child.stdin.on('error', () => {});
  }

  /**
   * Sends one request frame (its `id` field is set here); resolves with its response
   * frame. Rejects with `Unencodable` (the process stays usable) when the frame cannot be
   * encoded.
   */
  request(frame: Record<string, unknown>): Promise<ResponseFrame> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.closing) return Promise.reject(new PythonHostError('Closed', `${this.label} is closed`));
    const id = this.nextId++;
    // The id goes first, so the kernel finds it even in a frame it cannot parse.
    let bytes: Buffer;
    try {
      bytes = encodeFrame({ id, ...frame });
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return new Promise<ResponseFrame>((resolve, reject) => {
      this.pending.push({ id, resolve, reject });
      this.child.stdin.write(bytes);
    });
  }

  /** Settles when the process has exited. */
  get whenExited(): Promise<void> {
    return this.exited;
  }

  /** The process id (undefined if it could not be started). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last lines of the process's stderr, for error messages. */
  stderrTail(): string {
    const tail = this.stderrTail_.trim();
    return tail ? `Last stderr output:\n${tail.split('\n').slice(-15).join('\n')}` : '';
  }

  /** Why the process cannot take requests any more (its exit, or a protocol fault), once it cannot. */
  get deathReason(): PythonHostError | undefined {
    return this.dead;
  }

  /** Whether the process has died (it cannot take requests any more). */
  get isDead(): boolean {
    return this.dead !== undefined;
  }

  /** Kills the process now (a batch overran its hard deadline). */
  kill(): void {
    this.killedForTimeout = true;
    this.child.kill('SIGKILL');
  }

  /** Ends the process: closes its stdin (it exits at end of input), then kills it if needed. */
  async close(): Promise<void> {
    if (this.closing) return this.exited;
    this.closing = true;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin.end();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      timer.unref();
      await this.exited;
      clearTimeout(timer);
    }
  }

  private onData(chunk: Buffer): void {
    let frames: unknown[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.die(new PythonHostError('Protocol', `${this.label} wrote a malformed frame: ${String(err)}`));
      this.child.kill('SIGKILL');
      return;
    }
    for (const frame of frames as ResponseFrame[]) {
      const waiting = this.pending[0];
      if (!waiting || frame === null || typeof frame !== 'object' || waiting.id !== frame.id) {
        // An answer that matches no request (e.g. the kernel could not read a request's
        // id): the process is out of step, so it is a worker fault. Every waiting request,
        // this one included, is rejected (never left waiting), and the process is killed
        // so the pool replaces it.
        const what = frame !== null && typeof frame === 'object' ? JSON.stringify(frame).slice(0, 300) : String(frame);
        this.die(new PythonHostError('Protocol', `${this.label} answered out of step (expected an answer to request ${waiting?.id ?? 'none'}, got ${what})`));
        this.child.kill('SIGKILL');
        return;
      }
      this.pending.shift();
      if (typeof frame.stopped === 'number' && frame.error) {
        // The process is exiting: a hop of this batch ignored its time limit (serve.py).
        const error = { type: frame.error.type, message: frame.error.message };
        const message = `${this.label} stopped: ${error.message}`;
        this.killedForTimeout = true;
        waiting.reject(new PythonHostError('ProcessExited', message, { culprit: { index: frame.stopped, error } }));
        this.die(new PythonHostError('ProcessExited', message));
        return;
      }
      waiting.resolve(frame);
    }
  }

  private die(error: PythonHostError): void {
    if (!this.dead) this.dead = this.closing && error.code === 'ProcessExited' ? new PythonHostError('Closed', `${this.label} is closed`) : error;
    for (const p of this.pending.splice(0)) p.reject(this.dead);
  }

  private describeDeath(how: string): string {
    const tail = this.stderrTail_.trim();
    const hint =
      this.stderrMode === 'forward'
        ? 'Its stderr was forwarded to this process\'s stderr.'
        : "Create the host with stderr: 'forward' to see all of its stderr.";
    return (
      `${this.label} ${how}; pending and later calls fail. ${hint}` +
      (tail ? `\nLast stderr output:\n${tail.split('\n').slice(-15).join('\n')}` : '')
    );
  }
}
