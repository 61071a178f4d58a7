import { describe, expect, it } from 'vitest';
import type { ClientAccess, Program } from '@stateflow/ir';
import { startRunGateway } from '../../src/commands/run-gateway.js';
import type { CliIo } from '../../src/io.js';
import { howItEnded } from '../../src/commands/target.js';

describe('how stateflow run reports a deployment that ended without being stopped', () => {
  it('names the signal of a killed job', () => {
    expect(howItEnded(137)).toBe('was killed (SIGKILL, exit 137)');
    expect(howItEnded(143)).toBe('was killed (SIGTERM, exit 143)');
  });

  it('says it exited otherwise', () => {
    expect(howItEnded(1)).toBe('ended without being asked to stop (exit 1)');
  });
});

describe('stateflow run: the HTTP gateway flags follow the rules of stateflow serve', () => {
  it('refuses an empty token, a bad port and a bad --cors-origin before building', async () => {
    const { cli } = await import('../run-cli.js');
    for (const [args, message] of [
      [['--token', ''], '--token is empty'],
      [['--port', '99999'], '--port must be a number from 0 to 65535'],
      [['--cors-origin', 'not an origin'], 'stateflow run:'],
    ] as const) {
      const run = await cli(['run', 'examples/shop/app.py', '--target', 'flink', ...args]);
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toContain(message);
    }
  });

  it('is an option of run, not of build', async () => {
    const { cli } = await import('../run-cli.js');
    const run = await cli(['build', 'examples/shop/app.py', '--target', 'flink', '--out', '/tmp/unused', '--port', '1']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--port is an option of stateflow run');
  });
});

describe('stateflow run: the client access a backend reports', () => {
  const program = { irVersion: '0.2', entities: [] } as unknown as Program;
  const settings = { port: 0, host: '127.0.0.1', token: undefined, allowedHosts: [], corsOrigins: [], timeoutMs: 1000 };
  const io: CliIo = { stdout: () => undefined, stderr: () => undefined };

  it('refuses one it does not know, naming the field, before serving anything', async () => {
    const bogus = { transport: 'carrier-pigeon' } as unknown as ClientAccess;
    await expect(startRunGateway(program, bogus, settings, io)).rejects.toThrow(/does not know \(\/transport: .*\); update @stateflow\/cli, or run with --port none/);
    const noName = { transport: 'lambda', endpoint: 'http://127.0.0.1:1' } as unknown as ClientAccess;
    await expect(startRunGateway(program, noName, settings, io)).rejects.toThrow(/functionName/);
  });

  it('serves the HTTP API over the Lambda transport for a lambda access', async () => {
    const gateway = await startRunGateway(program, { transport: 'lambda', endpoint: 'http://127.0.0.1:1', functionName: 'app', unsigned: true }, settings, io);
    try {
      const health = await fetch(`${gateway.url}/health`);
      expect([health.status, ((await health.json()) as { engine: string }).engine]).toEqual([200, 'lambda (app)']);
    } finally {
      await gateway.close();
    }
  });
});
