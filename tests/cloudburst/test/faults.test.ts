import { readFileSync } from 'node:fs';
import { TransportError } from '@stateflow/client';
import type { Program, Result } from '@stateflow/ir';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, ENGINE_TESTS, type Deployment } from './support.js';

const program = JSON.parse(readFileSync(new URL('./transfers.ir.json', import.meta.url), 'utf8')) as Program;
const ctx = (requestId: string) => ({ requestId, signal: new AbortController().signal, attempt: 0 });

describe.skipIf(!ENGINE_TESTS)('Cloudburst under concurrent callers and executor crashes', () => {
  let app: Deployment;
  beforeAll(async () => {
    app = await deploy(program, { callTimeoutSeconds: 4, connections: 8 });
  });
  afterAll(async () => {
    await app?.stop();
  });

  /** One call, retried with the same request id while the transport fails (as clients do). */
  const callWithRetries = async (requestId: string, send: (id: string) => Promise<Result>, failures: { n: number }) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send(requestId);
      } catch (err) {
        if (!(err instanceof TransportError) || attempt >= 40) throw err;
        failures.n++;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  const add = (key: string, amount: number) => (id: string) =>
    app.transport.send({ kind: 'invoke', entity: 'Account', key, method: 'add', args: [amount], kwargs: {} }, ctx(id));
  const balance = async (key: string) => ((await app.transport.getState!('Account', key, { signal: new AbortController().signal })) as { balance: number }).balance;

  it('loses no update when 8 callers add to one account at once (local mode runs calls one at a time)', async () => {
    await app.transport.send({ kind: 'create', entity: 'Account', args: ['hot', 0], kwargs: {} }, ctx('c-hot'));
    const failures = { n: 0 };
    await Promise.all(
      Array.from({ length: 8 }, async (_, c) => {
        for (let i = 0; i < 25; i++) expect(await callWithRetries(`hot-${c}-${i}`, add('hot', 1), failures)).toHaveProperty('ok');
      }),
    );
    expect(await balance('hot')).toBe(200);
    expect(failures.n).toBe(0);
  });

  it('after the executor is killed mid-load and started again, every acknowledged call counts once', async () => {
    const ACCOUNTS = 8, CALLERS = 4, CALLS = 60;
    for (let a = 0; a < ACCOUNTS; a++) await app.transport.send({ kind: 'create', entity: 'Account', args: [`f${a}`, 0], kwargs: {} }, ctx(`c-f${a}`));
    const acked = new Array<number>(ACCOUNTS).fill(0);
    const failures = { n: 0 };
    let done = 0;
    const load = Promise.all(
      Array.from({ length: CALLERS }, async (_, c) => {
        for (let i = 0; i < CALLS; i++) {
          const a = (c * CALLS + i) % ACCOUNTS;
          const r = await callWithRetries(`f-${c}-${i}`, add(`f${a}`, 1), failures);
          expect(r, JSON.stringify(r)).toHaveProperty('ok');
          acked[a]!++;
          done++;
        }
      }),
    );
    while (done < (CALLERS * CALLS) / 4) await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    app.running.killExecutor();
    await new Promise((r) => setTimeout(r, 500));
    await app.running.restartExecutor();
    const restartMs = Date.now() - t0;
    await load;
    const balances = await Promise.all(Array.from({ length: ACCOUNTS }, (_, a) => balance(`f${a}`)));
    const lost = balances.reduce((s, b, a) => s + Math.max(0, acked[a]! - b), 0);
    const doubled = balances.reduce((s, b, a) => s + Math.max(0, b - acked[a]!), 0);
    process.stderr.write(`[cloudburst faults] executor killed after ${CALLERS * CALLS / 4} of ${CALLERS * CALLS} calls; back (restarted + registered) in ${restartMs} ms; ` +
      `${failures.n} failed attempts retried with the same request id; lost ${lost}, doubled ${doubled}\n`);
    expect(acked.reduce((s, n) => s + n, 0)).toBe(CALLERS * CALLS);
    expect(failures.n).toBeGreaterThan(0);
    expect({ lost, doubled }).toEqual({ lost: 0, doubled: 0 });
  });
});
