import type { KafkaRequester } from './suite.js';

/** A transfer request and the two accounts it moves 1 between. */
export interface Transfer {
  event: ReturnType<KafkaRequester['event']>;
  from: string;
  to: string;
}

/** A small seeded PRNG (mulberry32): the same transfers every run. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` transfers of 1 between random distinct accounts, with request ids `<tag>-<i>`. */
export function transfers(requester: KafkaRequester, names: string[], count: number, tag: string, seed = 42): Transfer[] {
  const random = prng(seed);
  return Array.from({ length: count }, (_, i) => {
    const from = names[Math.floor(random() * names.length)]!;
    let to = from;
    while (to === from) to = names[Math.floor(random() * names.length)]!;
    const event = requester.event(
      { kind: 'Invoke', target: { entity: 'Account', key: from }, method: 'transfer', args: [1, { $entity: 'Account', $key: to }], kwargs: {} },
      `${tag}-${i}`,
    );
    return { event, from, to };
  });
}

/** The balances the acknowledged transfers lead to (the ledger), from `initial` each. */
export function expectedBalances(names: string[], initial: number, done: Transfer[]): { [name: string]: number } {
  const expected = new Map(names.map((n) => [n, initial]));
  for (const t of done) {
    expected.set(t.from, expected.get(t.from)! - 1);
    expected.set(t.to, expected.get(t.to)! + 1);
  }
  return Object.fromEntries(expected);
}

/** Sends every transfer not answered yet again (same request id) until all are answered or `timeoutMs` passed. */
export async function retryUntilAnswered(requester: KafkaRequester, ingress: string, list: Transfer[], timeoutMs: number): Promise<number> {
  const send = (t: Transfer) => requester.produce(ingress, [{ key: `Account/${t.from}`, value: JSON.stringify(t.event) }]);
  const answered = () => list.filter((t) => requester.seen.has(t.event.requestId)).length;
  const deadline = Date.now() + timeoutMs;
  while (answered() < list.length && Date.now() < deadline) {
    const missing = list.filter((t) => !requester.seen.has(t.event.requestId));
    for (let i = 0; i < missing.length; i += 50) await Promise.all(missing.slice(i, i + 50).map(send));
    const waitUntil = Date.now() + 5_000;
    while (answered() < list.length && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 50));
  }
  return answered();
}
