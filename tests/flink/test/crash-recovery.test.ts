import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deploy, type Deployment } from './support/deploy.js';
import { accountsProgram } from '@stateflow/engine-test-kit';
import { KafkaRequester } from './support/suite.js';

const ACCOUNTS = 20;
const INITIAL = 1000;
const TRANSFERS = 600;

interface Transfer {
  event: ReturnType<KafkaRequester['event']>;
  from: string;
  to: string;
}

/** A small seeded PRNG (mulberry32): the same transfers every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('crash recovery: SIGKILL of the job mid-load, restart from the last retained checkpoint', () => {
  let app: Deployment;
  let requester: KafkaRequester;

  beforeAll(async () => {
    const bootstrap = inject('bootstrap');
    requester = await KafkaRequester.connect(bootstrap);
    app = await deploy(await accountsProgram(), bootstrap, { checkpointIntervalMs: 200 });
  });

  afterAll(async () => {
    await requester?.close();
    await app?.stop();
  });

  it('loses and duplicates no effect: every transfer applied once, totals conserved, every request answered', async () => {
    const names = Array.from({ length: ACCOUNTS }, (_, i) => `acct${i}`);
    const created = await Promise.all(
      names.map((name) => requester.request(app.ingress, requester.event({ kind: 'Construct', entity: 'Account', args: [name, INITIAL], kwargs: {} }))),
    );
    expect(created.map((r) => r.result)).toEqual(names.map((n) => ({ ok: { $entity: 'Account', $key: n } })));

    const random = prng(42);
    const transfers: Transfer[] = Array.from({ length: TRANSFERS }, (_, i) => {
      const from = names[Math.floor(random() * ACCOUNTS)]!;
      let to = from;
      while (to === from) to = names[Math.floor(random() * ACCOUNTS)]!;
      const event = requester.event(
        { kind: 'Invoke', target: { entity: 'Account', key: from }, method: 'transfer', args: [1, { $entity: 'Account', $key: to }], kwargs: {} },
        `transfer-${i}`,
      );
      return { event, from, to };
    });
    const send = (t: Transfer) => requester.produce(app.ingress, [{ key: `Account/${t.from}`, value: JSON.stringify(t.event) }]);
    const answered = () => transfers.filter((t) => requester.seen.has(t.event.requestId)).length;

    // Load: the first half of the transfers produced over ~1.5 s; the job is killed once a
    // sixth are answered (so a checkpoint was taken and some requests are in flight), and the
    // second half is produced while it is down, as clients keep sending. Killing at a count of
    // answers alone could miss: answers become visible in bursts at checkpoints, and on a slow
    // machine the first burst can hold every transfer.
    const produce = async (from: number, to: number) => {
      for (let i = from; i < to; i += 20) {
        await Promise.all(transfers.slice(i, Math.min(i + 20, to)).map(send));
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const half = TRANSFERS / 2;
    const producing = produce(0, half);
    const t0 = Date.now();
    while (answered() < TRANSFERS / 6 && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 20));
    const before = answered();
    expect(before).toBeGreaterThan(0);
    app.job.kill(); // SIGKILL of the job's whole process group (Python, mini-cluster JVM, workers)
    expect(await app.job.done).not.toBe(0);
    await producing;
    const atKill = answered();
    process.stderr.write(`[flink-tests] killed the job with ${atKill}/${TRANSFERS} transfers answered\n`);
    expect(atKill).toBeLessThanOrEqual(half);
    await produce(half, TRANSFERS);

    const tRestart = Date.now();
    await app.restart();
    // It restored a retained checkpoint (state and Kafka offsets), not an empty start.
    expect(readFileSync(join(app.job.logDir, 'job.log'), 'utf8')).toMatch(/^RESTORE \S*chk-\d+$/m);
    process.stderr.write(`[flink-tests] restarted from the last checkpoint in ${((Date.now() - tRestart) / 1000).toFixed(1)} s\n`);
    // Clients retry what was not answered, with the same request id, until it is.
    const deadline = Date.now() + 180_000;
    while (answered() < TRANSFERS && Date.now() < deadline) {
      const missing = transfers.filter((t) => !requester.seen.has(t.event.requestId));
      await Promise.all(missing.map(send));
      const waitUntil = Date.now() + 5_000;
      while (answered() < TRANSFERS && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 50));
    }
    expect(answered(), app.log()).toBe(TRANSFERS);
    for (const t of transfers) {
      // Every answer of one request (the original and answers to retries) is the same.
      for (const response of requester.seen.get(t.event.requestId)!) expect(response.result).toEqual({ ok: true });
    }

    const expected = new Map(names.map((n) => [n, INITIAL]));
    for (const t of transfers) {
      expected.set(t.from, expected.get(t.from)! - 1);
      expected.set(t.to, expected.get(t.to)! + 1);
    }
    const states = await Promise.all(names.map((n) => requester.getState(app.ingress, 'Account', n)));
    const balances = new Map(names.map((n, i) => [n, states[i]!['balance'] as number]));
    expect([...balances.values()].reduce((a, b) => a + b, 0)).toBe(ACCOUNTS * INITIAL);
    expect(Object.fromEntries(balances)).toEqual(Object.fromEntries(expected));
  });
});
