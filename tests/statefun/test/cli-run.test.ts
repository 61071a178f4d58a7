import { startStateflowRun } from '@stateflow/engine-test-kit';
import { describe, expect, inject, it } from 'vitest';
import { KafkaRequester, REPLY_TOPIC, registry } from './support/suite.js';

describe('stateflow run app.py --target statefun', () => {
  it('builds, starts the service and the JVM, serves the HTTP API and Kafka until Ctrl-C, and stops cleanly', async () => {
    const bootstrap = inject('bootstrap');
    const prefix = `cli${Date.now().toString(36)}`;
    const requester = await KafkaRequester.connect(bootstrap);
    const run = await startStateflowRun(
      ['examples/shop/app.py', '--target', 'statefun', '--bootstrap', bootstrap, '--topic-prefix', prefix, '--service-port', '18793', '--set', `replyTopics=${REPLY_TOPIC}`, '--fresh', '--port', '0'],
      { registry, readyTimeoutMs: 180_000 },
    );
    try {
      expect(run.stdout(), run.stderr()).toContain('StateFlow running examples/shop/app.py on statefun (entities: Item, User)');
      expect(run.stderr()).toContain('JOB_RUNNING');
      // Through Kafka, as any Kafka client.
      const created = await requester.request(`${prefix}-ingress`, requester.event({ kind: 'Construct', entity: 'Item', args: ['tea', 2], kwargs: {} }));
      expect(created.result).toEqual({ ok: { $entity: 'Item', $key: 'tea' } });
      // Through the HTTP API of `stateflow serve`, in front of the engine.
      const url = run.url!;
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
      const code = await run.stop();
      await requester.close();
      expect(code, run.stderr()).toBe(0);
    }
    expect(run.stderr()).toContain('SIGINT: stopping');
    expect(run.stderr()).toContain('stopped (exit 0)');
  });
});
