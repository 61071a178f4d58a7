import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { registry } from './support/suite.js';
import { KafkaRequester } from './support/suite.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../../packages/cli/dist/bin.js', import.meta.url));

describe('stateflow run app.py --target flink', () => {
  it('builds, creates the topics, runs the job until Ctrl-C, and stops it cleanly', async () => {
    const bootstrap = inject('bootstrap');
    const prefix = `cli${Date.now().toString(36)}`;
    const child = spawn(
      process.execPath,
      [BIN, 'run', 'examples/shop/app.py', '--target', 'flink', '--bootstrap', bootstrap, '--topic-prefix', prefix, '--set', 'replyTopics=flink-tests-replies', '--fresh', '--port', '0'],
      // Its own process group, in the suite's registry: if this run is interrupted, the
      // reaper's SIGTERM makes `stateflow run` stop its job as Ctrl-C would.
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
      const deadline = Date.now() + 120_000;
      while (!stdout.includes('StateFlow running') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect(stdout, stderr).toContain('StateFlow running examples/shop/app.py on flink (entities: Item, User)');
      expect(stderr).toMatch(/TOPICS .*-ingress/);
      expect(stderr).toContain('JOB_RUNNING');
      const created = await requester.request(`${prefix}-ingress`, requester.event({ kind: 'Construct', entity: 'Item', args: ['tea', 2], kwargs: {} }));
      expect(created.result).toEqual({ ok: { $entity: 'Item', $key: 'tea' } });
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
