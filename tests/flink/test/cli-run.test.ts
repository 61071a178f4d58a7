import { startStateflowRun } from '@stateflow/engine-test-kit';
import { describe, expect, inject, it } from 'vitest';
import { KafkaRequester, REPLY_TOPIC, registry } from './support/suite.js';

describe('stateflow run app.py --target flink', () => {
  it('builds, creates the topics, runs the job until Ctrl-C, and stops it cleanly', async () => {
    const bootstrap = inject('bootstrap');
    const prefix = `cli${Date.now().toString(36)}`;
    const requester = await KafkaRequester.connect(bootstrap);
    const run = await startStateflowRun(
      ['examples/shop/app.py', '--target', 'flink', '--bootstrap', bootstrap, '--topic-prefix', prefix, '--set', `replyTopics=${REPLY_TOPIC}`, '--fresh', '--port', '0'],
      { registry },
    );
    try {
      expect(run.stdout(), run.stderr()).toContain('StateFlow running examples/shop/app.py on flink (entities: Item, User)');
      expect(run.stderr()).toMatch(/TOPICS .*-ingress/);
      expect(run.stderr()).toContain('JOB_RUNNING');
      const created = await requester.request(`${prefix}-ingress`, requester.event({ kind: 'Construct', entity: 'Item', args: ['tea', 2], kwargs: {} }));
      expect(created.result).toEqual({ ok: { $entity: 'Item', $key: 'tea' } });
    } finally {
      const code = await run.stop();
      await requester.close();
      expect(code, run.stderr()).toBe(0);
    }
    expect(run.stderr()).toContain('SIGINT: stopping');
    expect(run.stderr()).toContain('stopped (exit 0)');
  });
});
