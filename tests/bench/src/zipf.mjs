/**
 * Key choosers, as in YCSB: a seeded PRNG, uniform choice, and the Zipfian generator of
 * Gray et al. ("Quickly generating billion-record synthetic databases", SIGMOD 1994)
 * that YCSB's ZipfianGenerator implements, scrambled (YCSB's ScrambledZipfianGenerator)
 * so the hot keys are spread over the key space instead of being the first ones.
 */

/** A small, fast, seeded PRNG (mulberry32): returns floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** zeta(n, theta) = sum_{i=1..n} 1 / i^theta. */
export function zeta(n, theta) {
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += 1 / Math.pow(i, theta);
  return sum;
}

/** Uniform choice of an index in [0, n). */
export function uniform(n, random) {
  return () => Math.floor(random() * n);
}

/**
 * Zipfian choice of a rank in [0, n): rank 0 is the most popular, with probability
 * proportional to 1 / (rank + 1)^theta (YCSB default theta 0.99).
 */
export function zipfian(n, theta, random) {
  const zetan = zeta(n, theta);
  const zeta2 = zeta(2, theta);
  const alpha = 1 / (1 - theta);
  const eta = (1 - Math.pow(2 / n, 1 - theta)) / (1 - zeta2 / zetan);
  const half = Math.pow(0.5, theta);
  return () => {
    const u = random();
    const uz = u * zetan;
    if (uz < 1) return 0;
    if (uz < 1 + half) return 1;
    return Math.min(n - 1, Math.floor(n * Math.pow(eta * u - eta + 1, alpha)));
  };
}

/** 64-bit FNV-1a of a number, as YCSB's `Utils.fnvhash64` (on BigInt; used once per draw). */
function fnv64(value) {
  let hash = 0xcbf29ce484222325n;
  let v = BigInt(value);
  for (let i = 0; i < 8; i++) {
    hash ^= v & 0xffn;
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
    v >>= 8n;
  }
  return hash;
}

/**
 * YCSB's scrambled Zipfian: a Zipfian rank, hashed onto [0, n) so popular keys are
 * scattered. The hash is precomputed per rank (n is small).
 */
export function scrambledZipfian(n, theta, random) {
  const rank = zipfian(n, theta, random);
  const map = new Int32Array(n);
  for (let r = 0; r < n; r++) map[r] = Number(fnv64(r) % BigInt(n));
  return () => map[rank()];
}

/** A key chooser by name: `uniform` or `zipf` (scrambled Zipfian, theta 0.99). */
export function keyChooser(dist, n, seed) {
  const random = rng(seed);
  if (dist === 'uniform') return uniform(n, random);
  if (dist === 'zipf') return scrambledZipfian(n, 0.99, random);
  throw new Error(`unknown key distribution '${dist}' (uniform or zipf)`);
}
