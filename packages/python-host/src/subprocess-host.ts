import type { Program } from '@stateflow/ir';
import { PythonHostError } from './errors.js';
import { resolvePython } from './find-python.js';
import type { HostRequest, HostResult, PythonHost } from './host.js';
import { KernelProcess, type ResponseFrame } from './kernel-process.js';
import { workerIndex } from './partition.js';

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
}

const MIN_PYTHON: [number, number] = [3, 9];

function unexpected(worker: KernelProcess, frame: ResponseFrame): PythonHostError {
  return new PythonHostError('Protocol', `${worker.label} sent an unexpected response: ${JSON.stringify(frame).slice(0, 200)}`);
}

/**
 * Runs the kernel in CPython subprocesses (`python -m stateflow_kernel.serve`), talking
 * length-prefixed JSON frames over stdin/stdout. With `workers > 1`, requests for the
 * same entity instance always go to the same process (hash of entity and key), so each
 * process sees a disjoint set of instances; a batch is split per process and the
 * results are put back in request order.
 */
export class SubprocessHost implements PythonHost {
  readonly kind = 'subprocess';
  private loaded = false;
  private closed = false;

  private constructor(
    /** Absolute path of the interpreter. */
    readonly python: string,
    private readonly workers: KernelProcess[],
  ) {}

  /** Resolves the interpreter, starts the processes and checks their Python version. */
  static async start(options: SubprocessHostOptions = {}): Promise<SubprocessHost> {
    const python = resolvePython(options.python);
    const count = Math.max(1, Math.floor(options.workers ?? 1));
    const workers = Array.from({ length: count }, (_, i) => new KernelProcess(python, i, options.stderr ?? 'forward'));
    try {
      const pongs = await Promise.all(workers.map((w) => w.request({ kind: 'ping' })));
      const version = pongs[0]?.python ?? '0.0.0';
      const [major = 0, minor = 0] = version.split('.').map(Number);
      if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
        throw new PythonHostError(
          'PythonTooOld',
          `${python} is Python ${version}; the StateFlow kernel needs Python ${MIN_PYTHON.join('.')} or newer.`,
        );
      }
    } catch (err) {
      await Promise.all(workers.map((w) => w.close()));
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
    return new SubprocessHost(python, workers);
  }

  /** Number of kernel processes. */
  get size(): number {
    return this.workers.length;
  }

  async load(program: Program): Promise<void> {
    this.assertOpen();
    const frames = await Promise.all(this.workers.map((w) => w.request({ kind: 'load', program })));
    frames.forEach((frame, i) => {
      if (frame.error) throw new PythonHostError('LoadFailed', `cannot load the program: ${frame.error.message}`);
      if (frame.ok !== true) throw unexpected(this.workers[i]!, frame);
    });
    this.loaded = true;
  }

  async process(batch: HostRequest[]): Promise<HostResult[]> {
    this.assertOpen();
    if (!this.loaded) throw new PythonHostError('NotLoaded', 'no program is loaded: call load(program) before process()');
    if (batch.length === 0) return [];
    const n = this.workers.length;
    if (n === 1) return this.send(this.workers[0]!, batch);
    const parts: { indexes: number[]; requests: HostRequest[] }[] = Array.from({ length: n }, () => ({
      indexes: [],
      requests: [],
    }));
    batch.forEach((request, i) => {
      const part = parts[workerIndex(request.event, n)]!;
      part.indexes.push(i);
      part.requests.push(request);
    });
    const results: HostResult[] = new Array<HostResult>(batch.length);
    await Promise.all(
      parts.map(async (part, w) => {
        if (part.requests.length === 0) return;
        const out = await this.send(this.workers[w]!, part.requests);
        part.indexes.forEach((index, j) => {
          results[index] = out[j]!;
        });
      }),
    );
    return results;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.close()));
  }

  private async send(worker: KernelProcess, requests: HostRequest[]): Promise<HostResult[]> {
    const frame = await worker.request({ kind: 'batch', requests });
    if (frame.error) {
      throw new PythonHostError('Protocol', `${worker.label} failed a batch: ${frame.error.type}: ${frame.error.message}`);
    }
    if (!Array.isArray(frame.results) || frame.results.length !== requests.length) throw unexpected(worker, frame);
    return frame.results as HostResult[];
  }

  private assertOpen(): void {
    if (this.closed) throw new PythonHostError('Closed', 'the subprocess Python host is closed');
  }
}
