import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lambdaTransport } from '@stateflow/client/lambda';
import type { Transport, TransportRequest } from '@stateflow/client/lambda';
import type { Program, Result } from '@stateflow/ir';
import { pidRegistry } from '@stateflow/engine-harness';
import { buildLambdaFunction, runLambdaLocally, type RunningLambda } from '../../src/index.js';

/** Engine tests need the emulator and the store (tools/engines/lambda/setup.sh) and run only when asked. */
export const ENGINE_TESTS = process.env['STATEFLOW_ENGINE_TESTS'] === '1';
let said = false;
export function sayWhySkipped(file: string): void {
  if (ENGINE_TESTS || said) return;
  said = true;
  console.log(`lambda engine tests (${file}): skipped (set STATEFLOW_ENGINE_TESTS=1; needs tools/engines/lambda/setup.sh)`);
}

/**
 * The process groups the Lambda engine tests start (stores, emulators), recorded so that
 * a run that was killed leaves nothing behind: the next run ends them first.
 */
export const processes = pidRegistry('lambda');
/** Records a process group while it runs (a finished one is forgotten: its pid may be reused). */
export function recordProcess(pid: number, what: string, exited?: Promise<number>): void {
  processes.register(pid, what);
  void exited?.then(() => processes.unregister(pid));
}
let reaped: Promise<number> | undefined;
/** Ends what an earlier, interrupted run left (once per test process). */
export function reapLeftovers(): Promise<number> {
  reaped ??= processes.reap((m) => console.log(`lambda engine tests: ${m}`));
  return reaped;
}

export function fixture(name: string): Program {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as Program;
}

export interface Deployment {
  /** The built deployment (its `logs/` hold the emulators' output). */
  outDir: string;
  running: RunningLambda;
  transport: Transport;
  send(request: TransportRequest, requestId: string): Promise<Result>;
  stop(): Promise<void>;
}

/** Builds `program` into a temporary folder and runs it on `emulators` emulators (free ports). */
export async function deploy(program: Program, emulators: number): Promise<Deployment> {
  const out = mkdtempSync(join(tmpdir(), 'sf-lambda-test-'));
  await buildLambdaFunction(program, out, { emulators });
  await reapLeftovers();
  const running = await runLambdaLocally(out, { invokePort: 0, storePort: 0, onProcess: recordProcess });
  const transport = lambdaTransport({
    functionName: running.functionName,
    endpoint: running.endpoint,
    region: 'us-east-1',
    clientConfig: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 },
  });
  return {
    outDir: out,
    running,
    transport,
    send: (request, requestId) => transport.send(request, { requestId, signal: new AbortController().signal, attempt: 0 }),
    async stop() {
      await transport.close?.();
      await running.stop();
      rmSync(out, { recursive: true, force: true });
    },
  };
}

/** Lines of every emulator log of a deployment that match `pattern`. */
export function emulatorLogLines(outDir: string, pattern: RegExp): string[] {
  const dir = join(outDir, 'logs');
  return readdirSync(dir)
    .filter((f) => f.startsWith('emulator-'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
    .filter((line) => pattern.test(line));
}

export const ref = (entity: string, key: string) => ({ $entity: entity, $key: key });
