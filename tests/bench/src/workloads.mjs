import { keyChooser, rng } from './zipf.mjs';

/**
 * The workloads: A (50% read, 50% update), B (95% read, 5% update), T (transfer of 1
 * between two different accounts: a split method that calls `deposit` on the other).
 */
export const WORKLOADS = {
  A: { name: 'A', description: '50% read / 50% update', readShare: 0.5 },
  B: { name: 'B', description: '95% read / 5% update', readShare: 0.95 },
  T: { name: 'T', description: 'transfer between two accounts', readShare: 0 },
};

/** The key of account `i`. */
export const accountKey = (i) => `acct${i}`;

/** The value written by updates: 100 bytes, like one YCSB field. */
const VALUE = 'v'.repeat(100);

/**
 * An operation stream: `next()` returns `{ key, method, args }` for one call on
 * `Account`. Deterministic for a seed.
 */
export function operations(workload, dist, entities, seed) {
  const spec = WORKLOADS[workload];
  if (!spec) throw new Error(`unknown workload '${workload}' (A, B or T)`);
  const pick = keyChooser(dist, entities, seed);
  const coin = rng(seed ^ 0x9e3779b9);
  if (workload === 'T') {
    return {
      next() {
        const from = pick();
        let to = pick();
        if (to === from) to = (from + 1) % entities;
        return { key: accountKey(from), method: 'transfer', args: [1, { $entity: 'Account', $key: accountKey(to) }] };
      },
    };
  }
  return {
    next() {
      const key = accountKey(pick());
      return coin() < spec.readShare ? { key, method: 'read', args: [] } : { key, method: 'update', args: [VALUE] };
    },
  };
}
