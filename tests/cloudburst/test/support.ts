import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCloudburstDeployment, findCloudburstEnv, runCloudburstLocally, type CloudburstConfigOverrides, type RunningCloudburst } from '@stateflow/backend-cloudburst';
import { lambdaTransport } from '@stateflow/client/lambda';
import type { Transport } from '@stateflow/client/lambda';
import type { Program } from '@stateflow/ir';

/** Why the engine tests cannot run here, or undefined when they can. */
export function whyNot(): string | undefined {
  if (process.env['STATEFLOW_ENGINE_TESTS'] !== '1') return 'set STATEFLOW_ENGINE_TESTS=1 (after tools/engines/cloudburst/build.sh --src DIR)';
  try {
    findCloudburstEnv();
    return undefined;
  } catch (err) {
    return `${(err as Error).message}`;
  }
}
const reason = whyNot();
/** The tests run: asked for, and Anna and Cloudburst are built in the cache. */
export const ENGINE_TESTS = reason === undefined;

/** A built and running deployment with a client transport (the Lambda Invoke API of its gateway). */
export interface Deployment {
  running: RunningCloudburst;
  transport: Transport;
  outDir: string;
  stop(): Promise<void>;
}

export async function deploy(program: Program, overrides: CloudburstConfigOverrides = {}): Promise<Deployment> {
  const outDir = mkdtempSync(join(tmpdir(), 'sf-cloudburst-'));
  await buildCloudburstDeployment(program, outDir, overrides);
  const running = await runCloudburstLocally(outDir);
  const transport = lambdaTransport({
    functionName: running.functionName,
    endpoint: running.endpoint,
    region: 'us-east-1',
    clientConfig: { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 },
  });
  return {
    running,
    transport,
    outDir,
    async stop() {
      await transport.close?.();
      await running.stop();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

let n = 0;
export const context = () => ({ requestId: `r${Date.now()}-${n++}`, signal: new AbortController().signal, attempt: 0 });
