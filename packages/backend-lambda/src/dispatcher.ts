import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Emulator, type EmulatorSpec } from './emulator.js';

/**
 * Lambda's concurrency, locally: a pool of emulators (one execution environment each)
 * behind the Lambda Invoke API (`POST /2015-03-31/functions/<name>/invocations`, as
 * `@aws-sdk/client-lambda` sends it). Each invocation goes to an idle emulator or waits
 * for one. An emulator that dies mid-invocation answers as Lambda does for a crashed
 * runtime (HTTP 200, `X-Amz-Function-Error: Unhandled`, `Runtime.ExitError`), and is
 * replaced by a fresh one (a cold start).
 */
export class Dispatcher {
  private readonly idle: Emulator[] = [];
  private readonly waiting: ((emulator: Emulator) => void)[] = [];
  private readonly all = new Set<Emulator>();
  private server: Server | undefined;
  private stopping = false;
  private nextIndex = 0;
  /** Invocations answered, and those whose emulator died under them. */
  readonly stats = { invocations: 0, crashed: 0, restarts: 0 };

  private constructor(
    private readonly spec: EmulatorSpec,
    readonly functionNames: string[],
  ) {}

  /** Starts `size` emulators and the Invoke API on 127.0.0.1:`port` (0: any free port). */
  static async start(spec: EmulatorSpec, size: number, port: number, functionNames: string[]): Promise<Dispatcher> {
    const dispatcher = new Dispatcher(spec, functionNames);
    try {
      // One at a time: cold starts in parallel only fight over the CPU.
      for (let i = 0; i < size; i++) dispatcher.add(await Emulator.start(spec, dispatcher.nextIndex++));
      await dispatcher.listen(port);
    } catch (err) {
      await dispatcher.stop();
      throw err;
    }
    return dispatcher;
  }

  /** The Invoke API's endpoint, for `lambdaTransport({ endpoint })`. */
  get endpoint(): string {
    const address = this.server?.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  /** The emulators now in the pool. */
  get emulators(): Emulator[] {
    return [...this.all];
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    await Promise.all([...this.all].map((e) => e.process.terminate()));
  }

  private add(emulator: Emulator): void {
    this.all.add(emulator);
    void emulator.process.exited.then(() => this.replace(emulator));
    this.release(emulator);
  }

  private release(emulator: Emulator): void {
    emulator.busy = false;
    if (emulator.dead) return;
    const next = this.waiting.shift();
    if (next) {
      emulator.busy = true;
      next(emulator);
    } else this.idle.push(emulator);
  }

  private acquire(): Promise<Emulator> {
    const emulator = this.idle.shift();
    if (emulator) {
      emulator.busy = true;
      return Promise.resolve(emulator);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private async replace(dead: Emulator): Promise<void> {
    this.all.delete(dead);
    const at = this.idle.indexOf(dead);
    if (at >= 0) this.idle.splice(at, 1);
    if (this.stopping) return;
    this.stats.restarts++;
    try {
      this.add(await Emulator.start(this.spec, this.nextIndex++));
    } catch (err) {
      process.stderr.write(`stateflow lambda: could not restart an emulator: ${(err as Error).message}\n`);
    }
  }

  private listen(port: number): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) return send(res, 404, { 'x-amzn-ErrorType': 'UnknownOperationException' }, { message: `no such operation: ${req.method} ${req.url}` });
    const name = decodeURIComponent(match[1]!);
    if (!this.functionNames.includes(name)) {
      return send(res, 404, { 'x-amzn-ErrorType': 'ResourceNotFoundException' }, { Type: 'User', message: `Function not found: ${name} (this deployment serves ${this.functionNames.join(', ')})` });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const payload = Buffer.concat(chunks).toString('utf8') || '{}';
    try {
      JSON.parse(payload);
    } catch (err) {
      // Lambda refuses a payload that is not JSON before any function runs.
      return send(res, 400, { 'x-amzn-ErrorType': 'InvalidRequestContentException' }, { Type: 'User', message: `Could not parse request body into json: ${(err as Error).message}` });
    }
    const emulator = await this.acquire();
    this.stats.invocations++;
    let answer: { status: number; text: string };
    try {
      answer = await emulator.invoke(payload);
    } catch (err) {
      this.stats.crashed++;
      emulator.dead = true;
      emulator.process.kill();
      const body = { errorType: 'Runtime.ExitError', errorMessage: `the execution environment ended during the invocation (${(err as Error).message})` };
      return send(res, 200, { 'X-Amz-Function-Error': 'Unhandled' }, body);
    } finally {
      this.release(emulator);
    }
    // The emulator answers an unhandled exception with its error JSON and no header; Lambda adds the header.
    const functionError = /^\{"errorMessage"|^\{"errorType"/.test(answer.text) ? { 'X-Amz-Function-Error': 'Unhandled' } : {};
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST', ...functionError });
    res.end(answer.text);
  }
}

function send(res: ServerResponse, status: number, headers: { [name: string]: string }, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
