import { join } from 'node:path';
import type { LambdaEnv } from './lambda-env.js';
import { freePort, portOpen, startProcessGroup, waitUntilReady, type ProcessGroup } from '@stateflow/process-group';

/** What an emulator needs to run the function. */
export interface EmulatorSpec {
  env: LambdaEnv;
  /** The function's code (`<artifact>/function`). */
  functionDir: string;
  /** Environment of the function (table, store endpoint, credentials, ...). */
  functionEnv: NodeJS.ProcessEnv;
  logDir: string;
  /** Told about every process group started (its pid is the group id), e.g. to record it for clean-up. */
  onProcess?: (pid: number, what: string, exited: Promise<number>) => void;
}

/**
 * One Lambda runtime interface emulator running the function with awslambdaric: one
 * execution environment, one invocation at a time (a second concurrent one crashes it,
 * so the dispatcher never sends one).
 */
export class Emulator {
  busy = false;
  /** Set once the process has exited (crash or stop). */
  dead = false;

  private constructor(
    readonly index: number,
    readonly port: number,
    readonly process: ProcessGroup,
  ) {
    void process.exited.then(() => {
      this.dead = true;
    });
  }

  static async start(spec: EmulatorSpec, index: number): Promise<Emulator> {
    const port = await freePort();
    const apiPort = await freePort();
    const logFile = join(spec.logDir, `emulator-${index}.log`);
    const proc = startProcessGroup(
      spec.env.rie,
      [
        '--runtime-interface-emulator-address', `127.0.0.1:${port}`,
        '--runtime-api-address', `127.0.0.1:${apiPort}`,
        spec.env.python, '-m', 'awslambdaric', 'handler.handler',
      ],
      {
        cwd: spec.functionDir,
        env: { ...process.env, ...spec.functionEnv, LAMBDA_TASK_ROOT: spec.functionDir, PYTHONPATH: spec.functionDir, PYTHONUNBUFFERED: '1' },
        logFile,
      },
    );
    spec.onProcess?.(proc.pid, `lambda emulator ${index} (${spec.functionDir})`, proc.exited);
    const emulator = new Emulator(index, port, proc);
    try {
      await waitUntilReady(() => portOpen(port), { running: () => !emulator.dead }, { timeoutMs: 30_000, what: `emulator ${index}`, logFile, everyMs: 50 });
      // The first invocation starts the runtime and loads the program (the cold start).
      const pong = await emulator.invoke(JSON.stringify({ kind: 'Ping' }), AbortSignal.timeout(60_000));
      if (!pong.text.includes('Pong')) throw new Error(`emulator ${index} answered the warm-up with ${pong.text.slice(0, 500)}`);
    } catch (err) {
      await proc.terminate();
      throw err;
    }
    return emulator;
  }

  /** One invocation; rejects when the emulator cannot be reached or dies meanwhile. */
  async invoke(payload: string, signal?: AbortSignal): Promise<{ status: number; text: string }> {
    const response = await fetch(`http://127.0.0.1:${this.port}/2015-03-31/functions/function/invocations`, {
      method: 'POST',
      body: payload,
      ...(signal ? { signal } : {}),
    });
    return { status: response.status, text: await response.text() };
  }
}
