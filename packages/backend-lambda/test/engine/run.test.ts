import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backend, type RunningLambda } from '../../src/index.js';
import { freePort } from '@stateflow/process-group';
import { ENGINE_TESTS, fixture, reapLeftovers, recordProcess, sayWhySkipped } from './support.js';

sayWhySkipped('stateflow run');

const alive = (pid: number) => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!ENGINE_TESTS)('backend.run (what `stateflow run --target lambda` starts)', () => {
  it('serves the Invoke API on the configured port, and stop() ends every process it started', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sf-lambda-run-'));
    const port = await freePort();
    const storePort = await freePort();
    const logs: string[] = [];
    const ctx = { log: (m: string) => logs.push(m) };
    try {
      const artifact = await backend.build(fixture('transfers.ir.json'), { outDir: out, config: { invokePort: port, storePort, emulators: 2, name: 'bank' } }, ctx);
      await reapLeftovers();
      const running = (await backend.run!(artifact, ctx)) as RunningLambda;
      expect(logs.at(-1)).toContain(`invoke function bank at http://127.0.0.1:${port}`);
      // What `stateflow run` builds its HTTP gateway from (the client's Lambda transport).
      expect(running.clientAccess).toEqual({ transport: 'lambda', endpoint: `http://127.0.0.1:${port}`, functionName: 'bank', region: 'us-east-1', unsigned: true });
      const pids = [running.store!.process.pid, ...running.dispatcher.emulators.map((e) => e.process.pid)];
      recordProcess(running.store!.process.pid, 'lambda run test store', running.store!.process.exited);
      for (const e of running.dispatcher.emulators) recordProcess(e.process.pid, 'lambda run test emulator', e.process.exited);
      const res = await fetch(`http://127.0.0.1:${port}/2015-03-31/functions/bank/invocations`, {
        method: 'POST',
        body: JSON.stringify({ kind: 'Construct', requestId: 'r1', replyTo: { channel: 'lambda', id: 't' }, entity: 'Account', args: ['x', 5], kwargs: {} }),
      });
      expect(await res.json()).toMatchObject({ kind: 'Response', requestId: 'r1', result: { ok: { $entity: 'Account', $key: 'x' } } });
      const unknown = await fetch(`http://127.0.0.1:${port}/2015-03-31/functions/other/invocations`, { method: 'POST', body: '{}' });
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
      expect(await running.stop()).toBe(0);
      expect(await running.done).toBe(0);
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
