/**
 * Load generators, independent of the transport: `call(op)` sends one operation and
 * resolves to `true` on success (`false` counts as an error).
 */

/** Collects latencies (ms) and summarises them. */
export class Latencies {
  constructor() {
    this.samples = new Float64Array(1 << 16);
    this.count = 0;
  }
  add(ms) {
    if (this.count === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.count++] = ms;
  }
  /** `{ p50, p99, max }` in ms. */
  summary() {
    const sorted = this.samples.slice(0, this.count).sort();
    const at = (q) => (this.count === 0 ? NaN : sorted[Math.min(this.count - 1, Math.floor(q * this.count))]);
    return { p50: at(0.5), p99: at(0.99), max: this.count ? sorted[this.count - 1] : NaN };
  }
}

/**
 * Closed loop: `concurrency` callers, each sending its next operation as soon as the
 * previous one answered, for `durationMs` (after `warmupMs`, not measured).
 * Returns `{ ops, errors, seconds, opsPerSec, p50, p99, max }`.
 */
export async function closedLoop(call, ops, { concurrency, durationMs, warmupMs = 0 }) {
  const latencies = new Latencies();
  let done = 0;
  let errors = 0;
  let measuring = warmupMs === 0;
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + durationMs;
  let firstError;
  async function caller() {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) return;
      if (!measuring && t0 >= measureFrom) measuring = true;
      let ok;
      try {
        ok = await call(ops.next());
      } catch (err) {
        ok = false;
        firstError ??= err;
      }
      if (!measuring) continue;
      const t1 = performance.now();
      if (t0 < measureFrom) continue;
      latencies.add(t1 - t0);
      if (ok) done++;
      else errors++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, caller));
  const seconds = (performance.now() - measureFrom) / 1000;
  return { ops: done, errors, seconds, opsPerSec: done / seconds, ...latencies.summary(), firstError: firstError ? String(firstError) : undefined };
}

/**
 * Open loop at a fixed `rate` (operations per second) for `durationMs`, after `warmupMs`
 * at the same rate that is not measured: operations are started on schedule whatever
 * the answers do, and latency is measured from the scheduled start (no coordinated
 * omission). At most `maxOutstanding` calls wait at once; beyond that operations are
 * counted as `dropped`. `onAnswer(scheduled, latencyMs)`, if given, sees every measured call.
 */
export async function openLoop(call, ops, { rate, durationMs, warmupMs = 0, maxOutstanding = 20_000, onAnswer }) {
  const latencies = new Latencies();
  let done = 0;
  let errors = 0;
  let dropped = 0;
  let outstanding = 0;
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const total = Math.max(1, Math.floor((rate * (warmupMs + durationMs)) / 1000));
  const interval = 1000 / rate;
  let issued = 0;
  // Counted, not kept: holding every call's promise until the end would make the
  // generator's own garbage outlive young-generation collections and slow them down.
  let drained;
  const allAnswered = new Promise((resolve) => (drained = resolve));
  const answered = (ok, scheduled) => {
    outstanding--;
    if (scheduled >= measureFrom) {
      const latency = performance.now() - scheduled;
      latencies.add(latency);
      onAnswer?.(scheduled, latency);
      if (ok) done++;
      else errors++;
    }
    if (outstanding === 0 && issued >= total) drained();
  };
  const tick = () => {
    const now = performance.now();
    while (issued < total && start + issued * interval <= now) {
      const scheduled = start + issued * interval;
      issued++;
      if (outstanding >= maxOutstanding) {
        if (scheduled >= measureFrom) dropped++;
        continue;
      }
      outstanding++;
      Promise.resolve()
        .then(() => call(ops.next()))
        .catch(() => false)
        .then((ok) => answered(ok, scheduled));
    }
    if (issued < total) setTimeout(tick, 1);
    else if (outstanding === 0) drained();
  };
  tick();
  await allAnswered;
  const seconds = (performance.now() - measureFrom) / 1000;
  return { rate, ops: done, errors, dropped, seconds, ...latencies.summary() };
}
