import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportError } from '@stateflow/client';
import { deploy, emulatorLogLines, ENGINE_TESTS, fixture, ref, sayWhySkipped, type Deployment } from './support.js';

sayWhySkipped('faults, concurrency, bad input');

describe.skipIf(!ENGINE_TESTS)('the Lambda backend on the emulator and the store', () => {
  let app: Deployment;
  const ACCOUNTS = 8;
  const START = 1000;
  beforeAll(async () => {
    app = await deploy(fixture('transfers.ir.json'), 3);
    for (let i = 0; i < ACCOUNTS; i++) {
      expect(await app.send({ kind: 'create', entity: 'Account', args: [`a${i}`, START], kwargs: {} }, `create-a${i}`)).toEqual({ ok: ref('Account', `a${i}`) });
    }
  });
  afterAll(async () => {
    await app?.stop();
  });

  const balances = async () => {
    const out: number[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      // Retried: a runtime killed just after its last invocation fails the next one.
      const r = await untilAnswered({ kind: 'invoke', entity: 'Account', key: `a${i}`, method: 'get_balance', args: [], kwargs: {} }, `read-${Date.now()}-${i}-${Math.random()}`, { n: 0 });
      out.push((r as { ok: number }).ok);
    }
    return out;
  };

  /** Sends one request until it gets an answer, retrying with the same request id after a function error. */
  const untilAnswered = async (request: Parameters<Deployment['send']>[0], id: string, retries: { n: number }) => {
    for (;;) {
      try {
        return await app.send(request, id);
      } catch (err) {
        if (!(err instanceof TransportError) || !err.retryable) throw err;
        retries.n++;
      }
    }
  };

  it('16 concurrent callers doing transfers on shared accounts: no update lost, money conserved', async () => {
    const before = await balances();
    const ledger: { from: number; to: number; amount: number; ok: boolean }[] = [];
    const retries = { n: 0 };
    await Promise.all(
      Array.from({ length: 16 }, async (_, caller) => {
        for (let j = 0; j < 8; j++) {
          const from = (caller + j) % ACCOUNTS;
          const to = (caller * 3 + j + 1) % ACCOUNTS === from ? (from + 1) % ACCOUNTS : (caller * 3 + j + 1) % ACCOUNTS;
          const amount = 1 + ((caller * 7 + j) % 5);
          const r = await untilAnswered({ kind: 'invoke', entity: 'Account', key: `a${from}`, method: 'transfer', args: [ref('Account', `a${to}`), amount], kwargs: {} }, `conc-${caller}-${j}`, retries);
          ledger.push({ from, to, amount, ok: (r as { ok: boolean }).ok });
        }
      }),
    );
    const after = await balances();
    const expected = [...before];
    for (const t of ledger.filter((t) => t.ok)) {
      expected[t.from]! -= t.amount;
      expected[t.to]! += t.amount;
    }
    expect(ledger).toHaveLength(128);
    expect(after.reduce((a, b) => a + b, 0)).toBe(before.reduce((a, b) => a + b, 0));
    expect(after).toEqual(expected);
    // The optimistic path was exercised: some commits conflicted and their calls ran again.
    expect(emulatorLogLines(app.outDir, /commit conflict on request conc-/).length).toBeGreaterThan(0);
  });

  it('an emulator killed mid-invocation: retried with the same request id, every transfer applies exactly once (ledger)', async () => {
    const before = await balances();
    const retries = { n: 0 };
    const results = new Map<string, boolean>();
    const transfer = (i: number) => ({ id: `kill-${i}`, from: i % ACCOUNTS, to: (i * 5 + 3) % ACCOUNTS === i % ACCOUNTS ? (i + 1) % ACCOUNTS : (i * 5 + 3) % ACCOUNTS, amount: 1 + (i % 4) });
    const transfers: ReturnType<typeof transfer>[] = [];
    // At least 60 transfers, and more until two emulators were killed mid-invocation: on an
    // idle machine 60 transfers can end before the killer first finds one busy.
    const MIN = 60, MAX = 2000;
    let kills = 0;
    const more = () => transfers.length < MAX && (transfers.length < MIN || kills < 2);
    const worker = async () => {
      while (more()) {
        const t = transfer(transfers.length);
        transfers.push(t);
        const r = await untilAnswered({ kind: 'invoke', entity: 'Account', key: `a${t.from}`, method: 'transfer', args: [ref('Account', `a${t.to}`), t.amount], kwargs: {} }, t.id, retries);
        results.set(t.id, (r as { ok: boolean }).ok);
      }
    };
    const killer = (async () => {
      // Kill two busy emulators while the load runs.
      while (kills < 2 && more()) {
        await new Promise((r) => setTimeout(r, 5));
        const busy = app.running.dispatcher.emulators.find((e) => e.busy && !e.dead);
        if (busy) {
          busy.process.kill();
          kills++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
    await Promise.all([worker(), worker(), worker(), worker(), killer]);
    expect(app.running.dispatcher.stats.crashed).toBeGreaterThan(0);
    expect(retries.n).toBeGreaterThan(0);
    // Every request again with its id: the committed answers come back, nothing runs twice.
    for (const t of transfers) {
      const again = await untilAnswered({ kind: 'invoke', entity: 'Account', key: `a${t.from}`, method: 'transfer', args: [ref('Account', `a${t.to}`), t.amount], kwargs: {} }, t.id, retries);
      expect(again).toEqual({ ok: results.get(t.id) });
    }
    const expected = [...before];
    for (const t of transfers.filter((t) => results.get(t.id))) {
      expected[t.from]! -= t.amount;
      expected[t.to]! += t.amount;
    }
    expect(await balances()).toEqual(expected);
  });

  it("the function's runtime killed mid-invocation: a function error, the emulator starts it again, the retry applies once", async () => {
    const before = await balances();
    const retries = { n: 0 };
    const transfer = { kind: 'invoke', entity: 'Account', key: 'a2', method: 'transfer', args: [ref('Account', 'a3'), 7], kwargs: {} } as const;
    const first = app.send(transfer, 'runtime-kill').then(
      (r) => ({ r }),
      (e: unknown) => ({ e }),
    );
    // The awslambdaric process under the busy emulator (the emulator itself lives on).
    let killed = false;
    for (let i = 0; i < 200 && !killed; i++) {
      const busy = app.running.dispatcher.emulators.find((e) => e.busy && !e.dead);
      if (busy) {
        const runtime = execFileSync('pgrep', ['-P', String(busy.process.pid)], { encoding: 'utf8' }).trim().split('\n')[0];
        if (runtime) {
          process.kill(Number(runtime), 'SIGKILL');
          killed = true;
        }
      }
      if (!killed) await new Promise((r) => setTimeout(r, 1));
    }
    const outcome = await first;
    const again = await untilAnswered(transfer, 'runtime-kill', retries);
    expect(again).toEqual({ ok: true });
    if ('r' in outcome) expect(outcome.r).toEqual({ ok: true });
    else expect((outcome.e as TransportError).retryable).toBe(true);
    const after = await balances();
    expect(after[2]).toBe(before[2]! - 7);
    expect(after[3]).toBe(before[3]! + 7);
  });

  it('a request id reused for a different call is refused', async () => {
    const r = await app.send({ kind: 'invoke', entity: 'Account', key: 'a0', method: 'add', args: [999], kwargs: {} }, 'conc-0-0');
    expect(r).toMatchObject({ error: { code: 'IdempotencyKeyReused' } });
  });

  it('malformed payloads get an error result, never a crashed function', async () => {
    const restarts = app.running.dispatcher.stats.restarts;
    const invoke = async (body: string) => {
      const res = await fetch(`${app.running.endpoint}/2015-03-31/functions/${app.running.functionName}/invocations`, { method: 'POST', body });
      return { status: res.status, functionError: res.headers.get('x-amz-function-error'), body: await res.text() };
    };
    const payloads = [
      '[]',
      '42',
      '"text"',
      'null',
      '{}',
      '{"kind": "Nope", "requestId": "m1"}',
      '{"kind": "Invoke", "requestId": "m2"}',
      '{"kind": "Invoke", "requestId": "m3", "replyTo": {"channel": "lambda", "id": "x"}, "target": {"entity": "Account", "key": 5}, "method": "add"}',
      '{"kind": "Invoke", "requestId": "m4", "replyTo": {"channel": "lambda", "id": "x"}, "target": {"entity": "Account", "key": "a0"}, "method": "add", "args": {}}',
      `{"kind": "Invoke", "requestId": "m5", "replyTo": {"channel": "lambda", "id": "x"}, "target": {"entity": "Account", "key": "${'k'.repeat(2000)}"}, "method": "add"}`,
      '{"kind": "Invoke", "requestId": "m6", "replyTo": {"channel": "lambda", "id": "x"}, "target": {"entity": "Nobody", "key": "a0"}, "method": "add", "args": [1]}',
      '{"kind": "Invoke", "requestId": "m7", "replyTo": {"channel": "lambda", "id": "x"}, "target": {"entity": "Account", "key": "a0"}, "method": "add", "args": [{"$bogus": 1}]}',
      '{"kind": "Construct", "requestId": "m8", "replyTo": {"channel": "lambda", "id": "x"}, "entity": "Account", "args": ["x"]}',
    ];
    for (const body of payloads) {
      const answer = await invoke(body);
      expect(answer.status, body).toBe(200);
      expect(answer.functionError, `${body} -> ${answer.body}`).toBeNull();
      const event = JSON.parse(answer.body) as { kind: string; result: { error?: { type: string; message: string } } };
      expect(event.kind, body).toBe('Response');
      expect(event.result.error?.message, `${body} -> ${answer.body}`).toBeTruthy();
    }
    const notJson = await invoke('{oops');
    expect(notJson.status).toBe(400);
    expect(app.running.dispatcher.stats.restarts).toBe(restarts);
    expect(await app.send({ kind: 'invoke', entity: 'Account', key: 'a1', method: 'get_balance', args: [], kwargs: {} }, 'after-bad')).toHaveProperty('ok');
  });
});
