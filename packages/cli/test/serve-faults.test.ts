import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spawnServe } from './run-bin.js';

const SHOP_IR = 'packages/ir/test/fixtures/shop.ir.json';

/** Pids of the kernel processes (`python -m stateflow_kernel.serve`) whose parent is `parent`. */
function kernelPids(parent: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === parent && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('stateflow_kernel.serve');
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

function nested(depth: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

describe.runIf(process.platform === 'linux')('stateflow serve after a worker fault', () => {
  it('answers every call and stops on SIGTERM after its kernel process was killed and a deep value was sent', async () => {
    const server = spawnServe([SHOP_IR, '--port', '0', '--python-host', 'subprocess', '--workers', '1', '--in-memory']);
    try {
      const url = await server.ready;
      const post = (path: string, body: unknown) =>
        fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post('/Item', { args: ['coke', 2] })).status).toBe(201);
      const [kernel] = kernelPids(server.pid);
      expect(kernel).toBeDefined();
      process.kill(kernel!, 'SIGKILL');
      // Answered: refused by the input checks (4xx) or failed alone (EncodingError), never left hanging.
      const deep = await post('/Item/coke/update_stock', { args: [nested(1000)] });
      expect(deep.status).toBeGreaterThanOrEqual(400);
      expect(await deep.json()).toMatchObject({ error: {} });
      const topUp = await post('/Item/coke/update_stock', { args: [5] });
      expect({ status: topUp.status, body: await topUp.json() }).toEqual({ status: 200, body: { result: true } });
      expect(kernelPids(server.pid)).not.toContain(kernel);
      server.signal('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(server.output().stderr).toContain('python worker restarted');
    } finally {
      server.signal('SIGKILL');
    }
  });
});
