import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Event, Program } from '@stateflow/ir';
import { createPythonHost, type HostResult, type PythonHost, type PythonHostOptions } from '../src/index.js';
import { SubprocessHost } from '../src/subprocess-host.js';

// The load option `resumeDetached` reaches the kernel on every host: a transfer's deposit
// hop then runs the caller's detached `return True` and answers the client itself.

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Accounts with a transfer whose block after `to.deposit(amount)` is detached (compiled by the frontend). */
const transfers = JSON.parse(readFileSync(join(root, 'packages/runtime-local/test/fixtures/transfers.ir.json'), 'utf8')) as Program;

let n = 0;
/** bob's `deposit` hop of ann's `transfer`, with ann's frame waiting (resume block `b1`, detached). */
function depositForAnn(): Event {
  return {
    kind: 'Invoke',
    requestId: `r${++n}`,
    seq: 1,
    stack: [{ entity: 'Account', key: 'ann', method: 'transfer', resume: 'b1', resultVar: resultVar(), env: {} }],
    replyTo: { channel: 'test', id: 'c1' },
    target: { entity: 'Account', key: 'bob' },
    method: 'deposit',
    args: [5],
    kwargs: {},
  };
}

/** The variable the transfer's resume block reads the deposit's value from, as the compiler named it. */
function resultVar(): string {
  const transfer = transfers.entities[0]!.methods.find((m) => m.name === 'transfer')!;
  if (transfer.body.kind !== 'SplitBody') throw new Error('transfer is not split');
  const b0 = transfer.body.blocks.find((b) => b.id === 'b0')!;
  if (b0.terminator.kind !== 'Invoke') throw new Error('b0 does not end in a call');
  return b0.terminator.resultVar;
}

async function depositOut(host: PythonHost): Promise<HostResult> {
  const [result] = await host.process([{ event: depositForAnn(), state: { name: 'bob', balance: 0 } }]);
  return result!;
}

describe.each([
  ['pyodide (in this thread)', { kind: 'pyodide' }],
  ['pyodide (1 worker thread)', { kind: 'pyodide', workers: 1 }],
  ['subprocess (1 worker)', { kind: 'subprocess', workers: 1 }],
] as const)('load with resumeDetached on the %s host', (_, options) => {
  it('answers a transfer at the callee with origin; a plain load sends the Reply back', async () => {
    const host = await createPythonHost({ ...(options as PythonHostOptions), stderr: 'capture' });
    try {
      await host.load(transfers, { resumeDetached: true });
      const on = await depositOut(host);
      expect(on.state).toEqual({ name: 'bob', balance: 5 });
      expect(on.out).toHaveLength(1);
      expect(on.out[0]).toMatchObject({ kind: 'Response', result: { ok: true }, stack: [], origin: { entity: 'Account', key: 'ann' } });
      // Each load makes a new kernel with its own options.
      await host.load(transfers);
      const off = await depositOut(host);
      expect(off.state).toEqual({ name: 'bob', balance: 5 });
      expect(off.out.map((e) => e.kind)).toEqual(['Reply']);
      expect(off.out[0]).toMatchObject({ target: { entity: 'Account', key: 'ann' }, result: { ok: 5 } });
    } finally {
      await host.close();
    }
  }, 120_000);
});

describe('a restarted subprocess worker', () => {
  it('loads the program with the options of the last load', async () => {
    const host = await SubprocessHost.start({ stderr: 'capture' });
    try {
      await host.load(transfers, { resumeDetached: true });
      const [pid] = host.pids;
      process.kill(pid!, 'SIGKILL');
      // The pool replaces a dead worker at once, and loads the program into it.
      for (const end = Date.now() + 30_000; host.restarts < 1 || host.unavailable() !== undefined; ) {
        if (Date.now() > end) throw new Error('the worker was not replaced within 30 s');
        await new Promise((r) => setTimeout(r, 20));
      }
      const result = await depositOut(host);
      expect(host.pids[0]).not.toBe(pid);
      expect(host.restarts).toBe(1);
      expect(result.out[0]).toMatchObject({ kind: 'Response', origin: { entity: 'Account', key: 'ann' } });
    } finally {
      await host.close();
    }
  }, 60_000);
});
