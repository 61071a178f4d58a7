import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deploy, type Deployment } from './support/deploy.js';
import { accountsProgram } from '@stateflow/engine-test-kit';
import { KafkaRequester } from './support/suite.js';

const ACCOUNTS = 20;
const INITIAL = 1000;
const TRANSFERS = 400;

/** A small seeded PRNG (mulberry32): the same transfers every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (m: string) => process.stderr.write(`[statefun-tests] ${m}\n`);

describe('faults: SIGKILL of the Statefun JVM or of the function service mid-load', () => {
  let app: Deployment;
  let requester: KafkaRequester;
  const names = Array.from({ length: ACCOUNTS }, (_, i) => `acct${i}`);
  /** Every transfer sent so far (both rounds), for the ledger. */
  const ledger: { from: string; to: string }[] = [];

  beforeAll(async () => {
    const bootstrap = inject('bootstrap');
    requester = await KafkaRequester.connect(bootstrap);
    app = await deploy(await accountsProgram(), bootstrap, { checkpointIntervalMs: 200 });
    const created = await Promise.all(
      names.map((name) => requester.request(app.ingress, requester.event({ kind: 'Construct', entity: 'Account', args: [name, INITIAL], kwargs: {} }))),
    );
    expect(created.map((r) => r.result)).toEqual(names.map((n) => ({ ok: { $entity: 'Account', $key: n } })));
  });

  afterAll(async () => {
    await requester?.close();
    await app?.stop();
  });

  /**
   * Sends TRANSFERS transfers over ~2 s, runs `fault` once a third are answered, then
   * retries (same request id, as a client does) what is unanswered until all are answered;
   * every answer must be `true`.
   */
  async function transfersThrough(round: string, seed: number, fault: () => Promise<void>): Promise<void> {
    const random = prng(seed);
    const transfers = Array.from({ length: TRANSFERS }, (_, i) => {
      const from = names[Math.floor(random() * ACCOUNTS)]!;
      let to = from;
      while (to === from) to = names[Math.floor(random() * ACCOUNTS)]!;
      const event = requester.event(
        { kind: 'Invoke', target: { entity: 'Account', key: from }, method: 'transfer', args: [1, { $entity: 'Account', $key: to }], kwargs: {} },
        `${round}-${i}`,
      );
      ledger.push({ from, to });
      return { event, from };
    });
    const send = (t: (typeof transfers)[number]) => requester.produce(app.ingress, [{ key: `Account/${t.from}`, value: JSON.stringify(t.event) }]);
    const answered = () => transfers.filter((t) => requester.seen.has(t.event.requestId)).length;
    const producing = (async () => {
      for (let i = 0; i < transfers.length; i += 20) {
        await Promise.all(transfers.slice(i, i + 20).map(send));
        await sleep(100);
      }
    })();
    const t0 = Date.now();
    while (answered() < TRANSFERS / 3 && Date.now() - t0 < 120_000) await sleep(20);
    expect(answered()).toBeGreaterThan(0);
    const atFault = answered();
    await fault();
    await producing;
    say(`${round}: fault injected with ${atFault}/${TRANSFERS} transfers answered`);
    const deadline = Date.now() + 240_000;
    while (answered() < TRANSFERS && Date.now() < deadline) {
      const missing = transfers.filter((t) => !requester.seen.has(t.event.requestId));
      await Promise.all(missing.map(send));
      const waitUntil = Date.now() + 5_000;
      while (answered() < TRANSFERS && Date.now() < waitUntil) await sleep(50);
    }
    expect(answered(), app.log()).toBe(TRANSFERS);
    for (const t of transfers) {
      for (const response of requester.seen.get(t.event.requestId)!) expect(response.result).toEqual({ ok: true });
    }
  }

  /** The balances equal the ledger: every acknowledged transfer applied exactly once. */
  async function checkLedger(): Promise<void> {
    const expected = new Map(names.map((n) => [n, INITIAL]));
    for (const t of ledger) {
      expected.set(t.from, expected.get(t.from)! - 1);
      expected.set(t.to, expected.get(t.to)! + 1);
    }
    const states = await Promise.all(names.map((n) => requester.getState(app.ingress, 'Account', n)));
    const balances = new Map(names.map((n, i) => [n, states[i]!['balance'] as number]));
    expect([...balances.values()].reduce((a, b) => a + b, 0)).toBe(ACCOUNTS * INITIAL);
    expect(Object.fromEntries(balances)).toEqual(Object.fromEntries(expected));
  }

  it('kill -9 of the JVM and the service, restart from the last retained checkpoint: nothing lost or doubled', async () => {
    await transfersThrough('jvm', 42, async () => {
      app.app.kill();
      expect(await app.app.done).not.toBe(0);
      const t0 = Date.now();
      await app.restart();
      expect(app.restored, 'restored a retained checkpoint (state and Kafka offsets), not an empty start').toMatch(/chk-\d+$/);
      say(`restarted from the last checkpoint in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    });
    await checkLedger();
  });

  it('kill -9 of the function service alone: Statefun retries the calls, nothing lost or doubled', async () => {
    await transfersThrough('service', 7, async () => {
      app.app.killService();
      await sleep(1_000); // calls fail meanwhile; Statefun retries them
      await app.app.startService();
      say('function service started again');
    });
    await checkLedger();
  });
});
