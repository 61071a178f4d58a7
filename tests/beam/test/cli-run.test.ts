import { startStateflowRun } from '@stateflow/engine-test-kit';
import { describe, expect, inject, it } from 'vitest';
import { KafkaRequester, REPLY_TOPIC, registry } from './support/suite.js';

describe('stateflow run app.py --target beam', () => {
  it('builds, runs the pipeline on Prism behind the HTTP API until Ctrl-C, and stops it cleanly', async () => {
    const bootstrap = inject('bootstrap');
    const prefix = `cli${Date.now().toString(36)}`;
    const requester = await KafkaRequester.connect(bootstrap);
    const run = await startStateflowRun(
      ['examples/shop/app.py', '--target', 'beam', '--bootstrap', bootstrap, '--topic-prefix', prefix, '--set', `replyTopics=${REPLY_TOPIC}`, '--port', '0'],
      { registry },
    );
    try {
      expect(run.stdout(), run.stderr()).toContain('StateFlow running examples/shop/app.py on beam (entities: Item, User) at http://127.0.0.1:');
      expect(run.stderr()).toMatch(/TOPICS .*-ingress/);
      expect(run.stderr()).toContain('PIPELINE_RUNNING');
      // Through Kafka, as any Kafka client.
      const created = await requester.request(`${prefix}-ingress`, requester.event({ kind: 'Construct', entity: 'Item', args: ['tea', 2], kwargs: {} }));
      expect(created.result).toEqual({ ok: { $entity: 'Item', $key: 'tea' } });
      // Through the HTTP API of `stateflow serve`, with an Idempotency-Key sent twice.
      const url = run.url!;
      const call = () =>
        fetch(`${url}/Item/tea/update_stock`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': `${prefix}-k1` }, body: JSON.stringify({ args: [5] }) });
      const first = await call();
      expect([first.status, await first.json()]).toEqual([200, { result: true }]);
      const again = await call();
      expect([again.status, await again.json()]).toEqual([200, { result: true }]);
      const state = await fetch(`${url}/Item/tea`);
      expect((await state.json()) as unknown).toMatchObject({ state: { stock: 5 } });
      const missing = await fetch(`${url}/Item/nope/update_stock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"args": [1]}' });
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
