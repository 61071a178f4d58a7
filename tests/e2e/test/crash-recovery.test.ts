import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe, type Served } from './support/serve.js';

/**
 * Crash safety, for real: `stateflow serve` on a durable data directory takes a load of
 * concurrent split transfers (read the other account, debit, call the other account's
 * deposit), is SIGKILLed in the middle, restarted on the same directory, and every
 * request is retried with its idempotency key. Money is conserved and every effect
 * happened exactly once per successful transfer.
 */
const ACCOUNTS = 16;
const START = 1000;
const TRANSFERS = 600;
const WINDOW = 48;
const KILL_AFTER = 150;

interface Transfer {
  tag: string;
  from: string;
  to: string;
  amount: number;
  /** Outcome acknowledged before the crash. */
  acked?: boolean;
  /** Outcome after recovery (retry with the same key). */
  final?: boolean;
  sent: boolean;
}

async function post(url: string, path: string, body: unknown, key?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const dirs: string[] = [];
const servers: Served[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.each(['subprocess', 'pyodide'] as const)('crash recovery on the %s host', (kind) => {
  it('keeps exactly-once effects across a SIGKILL during concurrent split transfers', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sf-crash-'));
    dirs.push(dataDir);
    const args = ['tests/e2e/apps/bank.py', '--port', '0', '--python-host', kind, '--workers', '2', '--data-dir', dataDir];
    const first = await startServe(args);
    servers.push(first);
    const names = Array.from({ length: ACCOUNTS }, (_, i) => `acc${i}`);
    for (const name of names) expect((await post(first.url, '/Account', { args: [name, START] })).status).toBe(201);

    let seed = 7;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), (seed >>> 16) % n);
    const transfers: Transfer[] = Array.from({ length: TRANSFERS }, (_, i) => {
      const from = names[rand(ACCOUNTS)]!;
      let to = names[rand(ACCOUNTS)]!;
      if (to === from) to = names[(names.indexOf(from) + 1) % ACCOUNTS]!;
      return { tag: `t${i}`, from, to, amount: 1 + rand(50), sent: false };
    });

    // Drive the load; kill the server once enough transfers were acknowledged.
    let acked = 0;
    let next = 0;
    let killed: Promise<void> | undefined;
    const worker = async () => {
      while (next < transfers.length && !killed) {
        const t = transfers[next++]!;
        t.sent = true;
        try {
          const res = await post(first.url, `/Account/${t.from}/transfer`, { args: [{ $entity: 'Account', $key: t.to }, t.amount, t.tag] }, t.tag);
          if (res.status === 200) {
            t.acked = res.body.result;
            if (++acked === KILL_AFTER) killed = first.kill();
          }
        } catch {
          // connection reset by the crash: the outcome is unknown
        }
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, worker));
    await killed;
    const inFlight = transfers.filter((t) => t.sent && t.acked === undefined).length;
    expect(acked).toBeGreaterThanOrEqual(KILL_AFTER);

    // Restart on the same data directory; retry every sent transfer with its key.
    const second = await startServe(args);
    servers.push(second);
    const sent = transfers.filter((t) => t.sent);
    for (let i = 0; i < sent.length; i += WINDOW) {
      await Promise.all(
        sent.slice(i, i + WINDOW).map(async (t) => {
          const res = await post(second.url, `/Account/${t.from}/transfer`, { args: [{ $entity: 'Account', $key: t.to }, t.amount, t.tag] }, t.tag);
          expect(res.status).toBe(200);
          t.final = res.body.result;
        }),
      );
    }
    const health = await (await fetch(`${second.url}/health`)).json();
    expect(health).toMatchObject({ ready: true, durable: true, queued: 0 });

    // An acknowledged outcome is replayed, never re-run.
    for (const t of sent) if (t.acked !== undefined) expect(t.final).toBe(t.acked);

    const states = new Map<string, { balance: number; debits: string[]; credits: string[] }>();
    for (const name of names) {
      const res = await fetch(`${second.url}/Account/${name}`);
      const body = (await res.json()) as { state: { balance: number; debits: string[]; credits: string[] } };
      states.set(name, body.state);
    }
    const total = [...states.values()].reduce((sum, s) => sum + s.balance, 0);
    expect(total).toBe(ACCOUNTS * START);

    const debits = [...states.values()].flatMap((s) => s.debits.map((d) => d.split('>')[0]!));
    const credits = [...states.values()].flatMap((s) => s.credits);
    expect(new Set(debits).size).toBe(debits.length);
    expect(new Set(credits).size).toBe(credits.length);
    const succeeded = sent.filter((t) => t.final === true);
    expect(new Set(debits)).toEqual(new Set(succeeded.map((t) => t.tag)));
    expect(new Set(credits)).toEqual(new Set(succeeded.map((t) => t.tag)));
    for (const t of succeeded) {
      expect(states.get(t.from)!.debits).toContain(`${t.tag}>${t.to}`);
      expect(states.get(t.to)!.credits).toContain(t.tag);
    }
    console.log(`${kind}: ${acked} acknowledged before the crash, ${inFlight} in flight, ${succeeded.length} succeeded in all`);
    expect(await second.stop()).toBe(0);
  });
});
