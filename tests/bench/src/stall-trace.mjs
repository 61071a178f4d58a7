/**
 * Stall tracing for `probe.mjs --trace` and `pnpm bench --trace`: which pauses explain
 * the slow calls of an open-loop run. Records, on one clock (CLOCK_MONOTONIC, in ms):
 * - every call's scheduled start and latency (openLoop's `onAnswer`),
 * - Node's garbage collections (PerformanceObserver),
 * - event-loop gaps (a 1 ms timer that fired late),
 * - store commits (a wrapper around `store.commit`),
 * - the kernel processes' Python collections (a sitecustomize module on PYTHONPATH),
 * then groups the slow calls into windows and lists what overlapped each window.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { CallRecorder, monotonicMs } from './call-recorder.mjs';

const PYTHON_HOOK = `
import gc, os, time
_log = open(os.path.join(os.environ["STATEFLOW_STALL_TRACE"], "pygc-%d.log" % os.getpid()), "w", buffering=1)
_start = [0]
def _on_gc(phase, info):
    if phase == "start":
        _start[0] = time.monotonic_ns()
    else:
        took = time.monotonic_ns() - _start[0]
        if took > 300_000 or info["generation"] == 2:
            _log.write("%d %d %d\\n" % (_start[0], took, info["generation"]))
gc.callbacks.append(_on_gc)
`;

/** PerformanceEntry detail.kind of a full (mark-compact) collection. */
const MAJOR_GC = 4;

/** [ms on the CPU, ms runnable but waiting] of the main thread so far, or undefined off Linux. */
function mainThreadSchedstat() {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return [Number(run) / 1e6, Number(wait) / 1e6];
  } catch {
    return undefined;
  }
}

export class StallTrace {
  /** Call before the Python host starts: its kernel processes load the GC hook. */
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'stateflow-stall-'));
    writeFileSync(join(this.dir, 'sitecustomize.py'), PYTHON_HOOK);
    process.env.STATEFLOW_STALL_TRACE = this.dir;
    process.env.PYTHONPATH = process.env.PYTHONPATH ? this.dir + delimiter + process.env.PYTHONPATH : this.dir;
    this.calls = new CallRecorder();
    this.gcs = [];
    this.clientGcs = [];
    this.gaps = [];
    this.commits = [];
  }

  /** Wraps the store's commit to time each one. */
  watchStore(store) {
    const commit = store.commit.bind(store);
    store.commit = (batch) => {
      const started = performance.now();
      const done = () => this.commits.push([monotonicMs(started), performance.now() - started]);
      const result = commit(batch);
      if (result && typeof result.then === 'function') return result.finally(done);
      done();
      return result;
    };
  }

  /** Forgets what was recorded (between the runs of `pnpm bench --trace`). */
  reset() {
    this.calls.clear();
    this.gcs = [];
    this.clientGcs = [];
    this.gaps = [];
    this.commits = [];
  }

  /** Starts recording Node GCs and event-loop gaps. */
  start() {
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.gcs.push([monotonicMs(e.startTime), e.duration, e.detail?.kind ?? e.kind]);
    });
    this.observer.observe({ entryTypes: ['gc'] });
    // A gap is split into time on the CPU and time waiting for one (the main thread's
    // schedstat): busy with work, or runnable while other threads and processes ran.
    let last = performance.now();
    let lastSched = mainThreadSchedstat();
    this.timer = setInterval(() => {
      const now = performance.now();
      const sched = mainThreadSchedstat();
      if (now - last > 4) {
        const kind = sched ? `cpu ${(sched[0] - lastSched[0]).toFixed(1)} wait ${(sched[1] - lastSched[1]).toFixed(1)}` : undefined;
        this.gaps.push([monotonicMs(last), now - last, kind]);
      }
      last = now;
      lastSched = sched;
    }, 1);
  }

  stop() {
    this.observer?.disconnect();
    clearInterval(this.timer);
  }

  /** openLoop's onAnswer hook. */
  get onAnswer() {
    return this.calls.onAnswer;
  }

  /**
   * Calls traced in another thread (an HTTP load worker: its recorder's `data()`), and
   * that thread's collections (`[start, ms, kind]`, monotonic ms).
   */
  addCalls(calls, clientGcs = []) {
    for (const gc of clientGcs) this.clientGcs.push(gc);
    this.calls.append(calls);
  }

  /** Writes everything recorded as JSON (for a closer look at one window). */
  writeJson(file) {
    const { scheduled, latency, count } = this.calls;
    const data = { scheduled: Array.from(scheduled.subarray(0, count)), latency: Array.from(latency.subarray(0, count)), gcs: this.gcs, clientGcs: this.clientGcs, gaps: this.gaps, commits: this.commits, python: this.pythonGcs() };
    writeFileSync(file, JSON.stringify(data));
  }

  /** Python collections logged by the kernel processes so far (each line is flushed). */
  pythonGcs() {
    const out = [];
    for (const name of readdirSync(this.dir).filter((n) => n.startsWith('pygc-'))) {
      const pid = name.slice(5, -4);
      for (const line of readFileSync(join(this.dir, name), 'utf8').split('\n')) {
        if (!line) continue;
        const [start, took, gen] = line.split(' ').map(Number);
        out.push([start / 1e6, took / 1e6, `py${pid} gen${gen}`]);
      }
    }
    return out;
  }

  /**
   * Windows of calls slower than `slowMs` (calls scheduled within 2 ms of each other),
   * the worst first, each with the events that overlapped it.
   */
  report({ slowMs = 10, top = 8 } = {}) {
    const { scheduled, latency, count } = this.calls;
    const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => scheduled[a] - scheduled[b]);
    const windows = [];
    let current;
    for (const i of order) {
      if (latency[i] <= slowMs) continue;
      if (current && scheduled[i] - current.last <= 2) {
        current.last = scheduled[i];
        current.end = Math.max(current.end, scheduled[i] + latency[i]);
        current.slow++;
        current.worst = Math.max(current.worst, latency[i]);
      } else {
        current = { first: scheduled[i], last: scheduled[i], end: scheduled[i] + latency[i], slow: 1, worst: latency[i] };
        windows.push(current);
      }
    }
    const t0 = count ? scheduled[order[0]] : 0;
    const tEnd = count ? Math.max(...windows.map((w) => w.end), scheduled[order[count - 1]]) : 0;
    // Python collections are logged per process for its whole life: this run's only.
    const py = this.pythonGcs().filter(([start]) => start >= t0 && start <= tEnd);
    const overlapping = (events, w, label, minMs) =>
      events
        .filter(([start, took]) => took >= minMs && start < w.end && start + took > w.first - 1)
        .map(([start, took, kind]) => `${label}${kind !== undefined ? ` ${kind}` : ''} @${(start - w.first).toFixed(1)} ${took.toFixed(1)}ms`);
    const slowTotal = windows.reduce((n, w) => n + w.slow, 0);
    const lines = [
      `${count} calls, ${slowTotal} over ${slowMs} ms (${((100 * slowTotal) / Math.max(1, count)).toFixed(2)}%) in ${windows.length} windows;` +
        ` node gc ${this.gcs.length} (max ${Math.max(0, ...this.gcs.map((g) => g[1])).toFixed(1)} ms, ${this.gcs.filter((g) => g[2] === MAJOR_GC).length} full),` +
        (this.clientGcs.length ? ` load generator's gc ${this.clientGcs.length} (max ${Math.max(...this.clientGcs.map((g) => g[1])).toFixed(1)} ms),` : '') +
        ` loop gaps>4ms ${this.gaps.length}, python gc logged ${py.length} (max ${Math.max(0, ...py.map((g) => g[1])).toFixed(1)} ms),` +
        ` commits ${this.commits.length}`,
    ];
    for (const w of [...windows].sort((a, b) => b.slow - a.slow).slice(0, top)) {
      const what = [
        ...overlapping(this.gcs, w, 'node-gc', 1),
        ...overlapping(this.clientGcs, w, 'client-gc', 1),
        ...overlapping(this.gaps, w, 'loop-gap', 4),
        ...overlapping(this.commits, w, 'commit', 5),
        ...overlapping(py, w, '', 1),
      ];
      lines.push(
        `  @${((w.first - t0) / 1000).toFixed(3)}s ${w.slow} slow calls over ${(w.last - w.first).toFixed(1)} ms, worst ${w.worst.toFixed(1)} ms: ${what.join('; ') || 'nothing recorded'}`,
      );
    }
    return lines.join('\n');
  }
}

