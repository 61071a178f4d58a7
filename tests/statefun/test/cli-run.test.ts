import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { REPLY_TOPIC } from './support/deploy.js';
import { registry } from './support/suite.js';
import { KafkaRequester } from './support/suite.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../../packages/cli/dist/bin.js', import.meta.url));

describe('stateflow run app.py --target statefun', () => {
  it('builds, starts the service and the JVM, serves the HTTP API and Kafka until Ctrl-C, and stops cleanly', async () => {
    const bootstrap = inject('bootstrap');
    const prefix = `cli${Date.now().toString(36)}`;
    const child = spawn(
      process.execPath,
      [BIN, 'run', 'examples/shop/app.py', '--target', 'statefun', '--bootstrap', bootstrap, '--topic-prefix', prefix, '--service-port', '18793', '--set', `replyTopics=${REPLY_TOPIC}`, '--fresh', '--port', '0'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    registry.register(child.pid!, 'stateflow run (cli-run.test.ts)');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const requester = await KafkaRequester.connect(bootstrap);
    try {
      const deadline = Date.now() + 180_000;
      while (!stdout.includes('StateFlow running') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect(stdout, stderr).toContain('StateFlow running examples/shop/app.py on statefun (entities: Item, User)');
      expect(stderr).toContain('JOB_RUNNING');
      // Through Kafka, as any Kafka client.
      const created = await requester.request(`${prefix}-ingress`, requester.event({ kind: 'Construct', entity: 'Item', args: ['tea', 2], kwargs: {} }));
      expect(created.result).toEqual({ ok: { $entity: 'Item', $key: 'tea' } });
      // Through the HTTP API of `stateflow serve`, in front of the engine.
      const url = /at (http:\/\/\S+)/.exec(stdout)![1]!;
      // The first call of a function type waits for Statefun to bootstrap it; on a loaded
      // machine that can pass the gateway's 30 s: then, as documented, the same call again
      // with the same Idempotency-Key gets its outcome (and runs once).
      let res: Response;
      for (let attempt = 0; ; attempt++) {
        res = await fetch(`${url}/Item/tea/update_stock`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': 'cli-run-topup' },
          body: JSON.stringify({ args: [5] }),
        });
        if (res.status !== 504 || attempt === 3) break;
      }
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ result: true });
      const state = await fetch(`${url}/Item/tea`);
      expect(await state.json()).toEqual({ state: { item_name: 'tea', stock: 5, price: 2 } });
      const missing = await fetch(`${url}/Item/nope/update_stock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args: [5] }) });
      expect(missing.status).toBe(404);
    } finally {
      child.kill('SIGINT');
      const code = await exited;
      registry.unregister(child.pid!);
      await requester.close();
      expect(code, stderr).toBe(0);
    }
    expect(stderr).toContain('SIGINT: stopping');
    expect(stderr).toContain('stopped (exit 0)');
  });
});
