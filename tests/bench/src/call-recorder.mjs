/**
 * Every measured call of an open loop: its scheduled start on CLOCK_MONOTONIC (ms, the
 * clock the stall tracer and Python's time.monotonic_ns() use, the same in every
 * thread) and its latency. Fed by openLoop's `onAnswer`.
 */

// performance.now() has its own origin per thread; this module is loaded per thread too.
const offsetMs = Number(process.hrtime.bigint()) / 1e6 - performance.now();

/** This thread's performance.now() time `perfNow` on CLOCK_MONOTONIC, in ms. */
export const monotonicMs = (perfNow) => perfNow + offsetMs;

export class CallRecorder {
  constructor(capacity = 1 << 20) {
    this.scheduled = new Float64Array(capacity);
    this.latency = new Float64Array(capacity);
    this.count = 0;
  }

  /** openLoop's `onAnswer`: `scheduled` in this thread's performance.now() time. Past capacity, calls are not kept. */
  onAnswer = (scheduled, latency) => {
    if (this.count === this.scheduled.length) return;
    this.scheduled[this.count] = monotonicMs(scheduled);
    this.latency[this.count++] = latency;
  };

  /** The calls as plain data (what a worker thread can post). */
  data() {
    return { scheduled: this.scheduled.subarray(0, this.count), latency: this.latency.subarray(0, this.count), count: this.count };
  }

  /** Appends calls recorded in another thread (`data()` of its recorder). */
  append({ scheduled, latency, count }) {
    const n = Math.min(count, this.scheduled.length - this.count);
    this.scheduled.set(scheduled.subarray(0, n), this.count);
    this.latency.set(latency.subarray(0, n), this.count);
    this.count += n;
  }

  clear() {
    this.count = 0;
  }
}
