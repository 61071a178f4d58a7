import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile } from '@stateflow/frontend-python';
import type { Program, ResponseEvent } from '@stateflow/ir';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deploy, type Deployment } from './support/deploy.js';
import { KafkaRequester, readTopic } from './support/suite.js';

const SHOP = fileURLToPath(new URL('../../../examples/shop/app.py', import.meta.url));

/** Accounts beside the shop: `transfer`'s last step (`return True`) is detached, so the receiver answers. */
const ACCOUNTS = `

@stateflow
class Account:
    def __init__(self, name: str, balance: int):
        self.name: str = name
        self.balance: int = balance

    def __key__(self):
        return self.name

    def deposit(self, amount: int) -> int:
        self.balance += amount
        return self.balance

    def transfer(self, amount: int, to: "Account") -> bool:
        if self.balance < amount:
            return False
        self.balance -= amount
        to.deposit(amount)
        return True
`;

async function shopProgram(): Promise<Program> {
  const { program, diagnostics } = await compile(readFileSync(SHOP, 'utf8') + ACCOUNTS, { path: 'examples/shop/app.py' });
  if (!program) throw new Error(`shop does not compile: ${JSON.stringify(diagnostics)}`);
  return program;
}

const item = (key: string) => ({ entity: 'Item', key });

describe('guarantees of the Beam pipeline on Prism', () => {
  let app: Deployment;
  let requester: KafkaRequester;

  beforeAll(async () => {
    const bootstrap = inject('bootstrap');
    requester = await KafkaRequester.connect(bootstrap);
    app = await deploy(await shopProgram(), bootstrap);
    const created = await requester.request(app.ingress, requester.event({ kind: 'Construct', entity: 'Item', args: ['coke', 3], kwargs: {} }));
    expect(created.result, app.log()).toEqual({ ok: { $entity: 'Item', $key: 'coke' } });
    const user = await requester.request(app.ingress, requester.event({ kind: 'Construct', entity: 'User', args: ['ann'], kwargs: {} }));
    expect(user.result).toEqual({ ok: { $entity: 'User', $key: 'ann' } });
  });

  afterAll(async () => {
    await requester?.close();
    await app?.stop();
  });

  it('applies a duplicated Kafka record once, and answers every copy', async () => {
    const call = requester.event({ kind: 'Invoke', target: item('coke'), method: 'update_stock', args: [5], kwargs: {} });
    const record = { key: 'Item/coke', value: JSON.stringify(call) };
    // Two copies in one write (a producer retry), then a third after the answer (a redelivery).
    await requester.produce(app.ingress, [record, record]);
    expect((await requester.waitFor(call.requestId)).result).toEqual({ ok: true });
    await requester.produce(app.ingress, [record]);
    const deadline = Date.now() + 30_000;
    // Every copy is answered (three), with the first run's outcome; the answers to the two
    // copies of one write may both arrive before the third copy is written, or after.
    while ((requester.seen.get(call.requestId)?.length ?? 0) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const answers = requester.seen.get(call.requestId) ?? [];
    expect(answers.map((a) => a.result)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(await requester.getState(app.ingress, 'Item', 'coke')).toMatchObject({ stock: 5 });
  });

  it('creates once from a create written twice, and answers a later copy from the new instance', async () => {
    // A create's answer is made at the new instance's key: a later copy is handed there.
    const create = requester.event({ kind: 'Construct', entity: 'Item', args: ['mate', 2], kwargs: {} });
    const record = { key: null, value: JSON.stringify(create) };
    const made = { ok: { $entity: 'Item', $key: 'mate' } };
    await requester.produce(app.ingress, [record, record]);
    expect((await requester.waitFor(create.requestId)).result).toEqual(made);
    const stock = requester.event({ kind: 'Invoke', target: item('mate'), method: 'update_stock', args: [7], kwargs: {} });
    expect((await requester.request(app.ingress, stock)).result).toEqual({ ok: true });
    const before = requester.seen.get(create.requestId)?.length ?? 0;
    await requester.produce(app.ingress, [record]);
    const deadline = Date.now() + 30_000;
    while ((requester.seen.get(create.requestId)?.length ?? 0) <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const answers = requester.seen.get(create.requestId) ?? [];
    expect(answers.length).toBeGreaterThan(before);
    expect(answers.every((a) => JSON.stringify(a.result) === JSON.stringify(made)), JSON.stringify(answers)).toBe(true);
    // Not created again: the stock set after the first create is still there.
    expect(await requester.getState(app.ingress, 'Item', 'mate')).toMatchObject({ item_name: 'mate', stock: 7 });
  });

  it('applies a redelivered event between entities once (hop dedup in Beam state)', async () => {
    const topUp = requester.event({ kind: 'Invoke', target: { entity: 'User', key: 'ann' }, method: 'update_balance', args: [100], kwargs: {} });
    expect((await requester.request(app.ingress, topUp)).result).toEqual({ ok: null });
    const buy = requester.event({ kind: 'Invoke', target: { entity: 'User', key: 'ann' }, method: 'buy_item', args: [1, { $entity: 'Item', $key: 'coke' }], kwargs: {} });
    expect((await requester.request(app.ingress, buy)).result).toEqual({ ok: true });
    expect(await requester.getState(app.ingress, 'Item', 'coke')).toMatchObject({ stock: 4 });
    // The hop to Item (update_stock(-1)) as the pipeline wrote it to its internal topic, written again.
    const internal = app.artifact.config.topics.internal;
    const hops = (await readTopic(requester.kafka, internal, 1_000, 5_000)).filter((t) => {
      const e = JSON.parse(t) as { requestId: string; kind: string; method?: string };
      return e.requestId === buy.requestId && e.kind === 'Invoke' && e.method === 'update_stock';
    });
    expect(hops).toHaveLength(1);
    await requester.produce(internal, [{ key: 'Item/coke', value: hops[0]! }]);
    // A later request at the same key is answered after the redelivered one was handled (one key, in order).
    expect(await requester.getState(app.ingress, 'Item', 'coke')).toMatchObject({ stock: 4 });
    expect(await requester.getState(app.ingress, 'User', 'ann')).toMatchObject({ balance: 98 });
  });

  it('answers a transfer from the receiver, which records the answer, and answers every copy by following the transfer there', async () => {
    for (const [name, balance] of [['ann', 10], ['bob', 0]] as const) {
      const made = await requester.request(app.ingress, requester.event({ kind: 'Construct', entity: 'Account', args: [name, balance], kwargs: {} }));
      expect(made.result).toEqual({ ok: { $entity: 'Account', $key: name } });
    }
    const call = requester.event({ kind: 'Invoke', target: { entity: 'Account', key: 'ann' }, method: 'transfer', args: [4, { $entity: 'Account', $key: 'bob' }], kwargs: {} });
    const record = { key: 'Account/ann', value: JSON.stringify(call) };
    // A copy from another client in the same write reaches ann after the transfer ran there:
    // it follows the transfer to bob (a Query), where the answer was made (or, if the Query
    // gets there before the deposit, waits there for it).
    const other = await KafkaRequester.connect(inject('bootstrap'));
    try {
      await requester.produce(app.ingress, [record, { ...record, value: JSON.stringify({ ...call, replyTo: other.replyTo }) }]);
      const first = (await requester.waitFor(call.requestId)) as ResponseEvent & { origin?: unknown };
      expect(first.result).toEqual({ ok: true });
      expect(first.origin, 'the receiver answered').toEqual({ entity: 'Account', key: 'ann' });
      expect((await other.waitFor(call.requestId)).result).toEqual({ ok: true });
    } finally {
      await other.close();
    }
    const internal = (await readTopic(requester.kafka, app.artifact.config.topics.internal, 1_000, 5_000))
      .map((t) => JSON.parse(t) as { requestId: string; kind: string; at?: string })
      .filter((e) => e.requestId === call.requestId);
    // (Written by two bundles of the writer, so in either order.)
    expect(internal.map((e) => e.kind).sort(), 'the deposit and the copy\'s Query; no Settle').toEqual(['Invoke', 'Query']);
    expect(internal.find((e) => e.kind === 'Query')?.at).toBe('Account/bob');
    // A later copy from the first client follows the transfer to bob too.
    await requester.produce(app.ingress, [record]);
    const deadline = Date.now() + 30_000;
    while ((requester.seen.get(call.requestId)?.length ?? 0) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((requester.seen.get(call.requestId) ?? []).map((a) => a.result)).toEqual([{ ok: true }, { ok: true }]);
    expect(await requester.getState(app.ingress, 'Account', 'ann')).toMatchObject({ balance: 6 });
    expect(await requester.getState(app.ingress, 'Account', 'bob')).toMatchObject({ balance: 4 });
  });

  it('answers a malformed request with an error, sets an unreadable record aside, and keeps running', async () => {
    await requester.produce(app.ingress, [{ value: 'this is not JSON' }, { value: '{"kind": "Invoke"}' }]);
    const unknown = requester.event({ kind: 'Invoke', target: { entity: 'Nope', key: 'x' }, method: 'f', args: [], kwargs: {} });
    const bad = (await requester.request(app.ingress, unknown)) as ResponseEvent;
    expect(bad.result).toMatchObject({ error: { code: 'UnknownEntity' } });
    const badArgs = requester.event({ kind: 'Invoke', target: item('coke'), method: 'update_stock', args: { not: 'a list' } as never, kwargs: {} });
    expect((await requester.request(app.ingress, badArgs)).result).toMatchObject({ error: { code: 'BadArguments' } });
    const dead = (await readTopic(requester.kafka, app.artifact.config.topics.deadLetter, 2, 30_000)).map((t) => JSON.parse(t) as { reason: string; record: string });
    expect(dead.map((d) => d.record)).toEqual(['this is not JSON', '{"kind": "Invoke"}']);
    expect(dead[0]!.reason).toContain('not JSON');
    const after = requester.event({ kind: 'Invoke', target: item('coke'), method: 'update_stock', args: [1], kwargs: {} });
    expect((await requester.request(app.ingress, after)).result).toEqual({ ok: true });
  });
});

describe('a killed SDK worker on Prism', () => {
  it('ends the pipeline, and the run reports which requests were answered and that the state is gone', async () => {
    const bootstrap = inject('bootstrap');
    const requester = await KafkaRequester.connect(bootstrap);
    // SDK workers in processes of their own (a worker pool), so one can be killed alone.
    const app = await deploy(await shopProgram(), bootstrap, { args: ['--worker-pool'] });
    try {
      const pool = /SDK_WORKER_POOL pid=(\d+)/.exec(app.log(200))?.[1];
      expect(pool, app.log()).toBeDefined();
      expect((await requester.request(app.ingress, requester.event({ kind: 'Construct', entity: 'Item', args: ['tea', 1], kwargs: {} }))).result).toEqual({
        ok: { $entity: 'Item', $key: 'tea' },
      });
      const workers = execFileSync('pgrep', ['-P', pool!], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
      expect(workers.length, 'SDK worker processes').toBeGreaterThan(0);
      // Load: 40 increments in flight, then the worker is killed.
      const calls = Array.from({ length: 40 }, () => requester.event({ kind: 'Invoke', target: item('tea'), method: 'update_stock', args: [1], kwargs: {} }));
      await requester.produce(app.ingress, calls.slice(0, 20).map((c) => ({ key: 'Item/tea', value: JSON.stringify(c) })));
      await new Promise((r) => setTimeout(r, 300));
      for (const pid of workers) process.kill(pid, 'SIGKILL');
      await requester.produce(app.ingress, calls.slice(20).map((c) => ({ key: 'Item/tea', value: JSON.stringify(c) })));
      const status = await Promise.race([app.pipeline.done, new Promise<string>((r) => setTimeout(() => r('still running'), 90_000))]);
      await new Promise((r) => setTimeout(r, 2_000));
      const answered = calls.filter((c) => requester.seen.has(c.requestId)).length;
      const log = app.log(400);
      const ended = /PIPELINE_ENDED state=(\S+)/.exec(log)?.[1] ?? 'none';
      process.stderr.write(
        `[beam-tests] killed SDK worker(s) ${workers.join(', ')} with 40 increments in flight: pipeline ${status === 'still running' ? 'still running' : `exited ${status}`} (PIPELINE_ENDED ${ended}); ` +
          `${answered} of 40 answered, ${40 - answered} lost unanswered; Prism keeps state in memory, so the instance's state is lost with the pipeline\n`,
      );
      // Prism does not restart a lost worker: the job fails and says so; what was answered was applied.
      expect(status, log.split('\n').slice(-20).join('\n')).not.toBe('still running');
      expect(ended).toBe('FAILED');
      expect(answered).toBeLessThan(40);
    } finally {
      await requester.close();
      await app.stop();
    }
  });
});
