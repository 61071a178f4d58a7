import { describe, expect, it } from 'vitest';
import { PyodideWorkerHost } from '../src/pyodide-worker-host.js';
import { SubprocessHost } from '../src/subprocess-host.js';
import { Router, shopProgram } from './support/router.js';

// The lifecycle both pool hosts share (src/pooled-host.ts): its checks and messages, per host.
describe('pooled hosts', () => {
  it('subprocess: names processOn() when not loaded and itself when closed', async () => {
    const host = await SubprocessHost.start({ workers: 2, stderr: 'capture' });
    try {
      expect(host.parallelism).toBe(2);
      expect(host.size).toBe(2);
      expect(host.restarts).toBe(0);
      const r = new Router(host);
      const construct = r.construct('User', 'x');
      await expect(host.processOn(0, [{ event: construct, state: null }], { exclude: [], maxSeq: 10, maxLocal: 10 })).rejects.toMatchObject({
        code: 'NotLoaded',
        message: 'no program is loaded: call load(program) before processOn()',
      });
      await expect(host.process([{ event: construct, state: null }])).rejects.toMatchObject({
        code: 'NotLoaded',
        message: 'no program is loaded: call load(program) before process()',
      });
      await host.load(shopProgram());
      expect(await host.process([])).toEqual([]);
      expect(await host.processOn(0, [], { exclude: [], maxSeq: 10, maxLocal: 10 })).toEqual({ results: [] });
    } finally {
      await host.close();
    }
    await expect(host.process([])).rejects.toMatchObject({ code: 'Closed', message: 'the subprocess Python host is closed' });
    await expect(host.load(shopProgram())).rejects.toMatchObject({ code: 'Closed' });
  });

  it('pyodide worker threads: same lifecycle, named as the Pyodide host', async () => {
    const host = await PyodideWorkerHost.start({ workers: 1, stderr: 'capture' });
    try {
      expect(host.kind).toBe('pyodide');
      expect(host.parallelism).toBe(1);
      await expect(host.process([{ event: new Router(host).construct('User', 'x'), state: null }])).rejects.toMatchObject({
        code: 'NotLoaded',
        message: 'no program is loaded: call load(program) before process()',
      });
    } finally {
      await host.close();
    }
    await expect(host.process([])).rejects.toMatchObject({ code: 'Closed', message: 'the Pyodide Python host is closed' });
  });
});
