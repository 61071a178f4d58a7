import { describe, expect, it } from 'vitest';
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
