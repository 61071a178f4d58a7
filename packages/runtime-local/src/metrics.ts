import type { GatewayMetrics } from '@stateflow/gateway';
/**
 * A small Prometheus registry (text exposition format 0.0.4): counters and histograms
 * with labels, and gauges read at scrape time. No dependency, no per-observation
 * allocation beyond the first use of a label set; hot paths hold {@link CounterSeries}
 * handles so they build no label text per increment.
 */

export type Labels = { [name: string]: string };

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** A metric of {@link RuntimeMetrics}: a {@link Counter}, {@link Gauge} or {@link Histogram}. */
export interface Metric {
  /** Its lines in the Prometheus text exposition format. */
  render(): string;
}

/** One series of a {@link Counter}: a handle hot paths resolve once and then just `inc`. */
export class CounterSeries {
  private shown = false;
  /** The current value. */
  value = 0;

  constructor(
    /** The series' label text, e.g. `{kind="Invoke"}` (empty without labels). */
    readonly labelText: string,
    private readonly show: (series: CounterSeries) => void,
  ) {}

  /** Adds `n` (default 1). */
  inc(n = 1): void {
    // A series appears in the output from its first increment, as if created then.
    if (!this.shown) {
      this.shown = true;
      this.show(this);
    }
    this.value += n;
  }
}

/** A monotonically increasing count per label set. */
export class Counter implements Metric {
  /** Every series handed out, by label text. */
  private readonly byLabels = new Map<string, CounterSeries>();
  /** The series incremented at least once, in the order of their first increment. */
  private readonly shown: CounterSeries[] = [];
  private readonly showSeries = (series: CounterSeries): void => {
    this.shown.push(series);
  };

  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}

  /**
   * The series with these labels (the same object every time). Resolve it once and call
   * its `inc`, so a hot path does not build a label string per increment.
   */
  labels(labels: Labels = {}): CounterSeries {
    const key = labelText(labels);
    let series = this.byLabels.get(key);
    if (!series) {
      series = new CounterSeries(key, this.showSeries);
      this.byLabels.set(key, series);
    }
    return series;
  }

  /** Adds `n` (default 1) to the series with these labels. */
  inc(labels: Labels = {}, n = 1): void {
    this.labels(labels).inc(n);
  }

  /** The current value of one series. */
  get(labels: Labels = {}): number {
    return this.byLabels.get(labelText(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.shown.length === 0) lines.push(`${this.name} 0`);
    for (const series of this.shown) lines.push(`${this.name}${series.labelText} ${series.value}`);
    return lines.join('\n');
  }
}

/** A value read when scraped. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read: () => number,
    /** `counter` for a total kept elsewhere that only grows (read at scrape time too). */
    private readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}

  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, `${this.name} ${this.read()}`].join('\n');
  }
}

interface Series {
  labels: Labels;
  counts: Float64Array;
  sum: number;
  count: number;
}

/** Cumulative buckets of observations per label set. */
export class Histogram implements Metric {
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: readonly number[],
  ) {}

  /** Records one observation. */
  observe(value: number, labels?: Labels): void {
    // Without labels (the batch loop's histograms) the key is known: no label text to build.
    const key = labels ? labelText(labels) : '';
    let s = this.series.get(key);
    if (!s) {
      s = { labels: labels ?? {}, counts: new Float64Array(this.buckets.length), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((le, i) => lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(le) })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join('\n');
  }
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/** The metrics of one runtime and its HTTP server (served at `GET /metrics`). */
export class RuntimeMetrics implements GatewayMetrics {
  readonly httpRequests = new Counter('stateflow_http_requests_total', 'HTTP requests by route and status.');
  readonly httpDuration = new Histogram('stateflow_http_request_duration_seconds', 'HTTP request latency by route.', LATENCY_BUCKETS);
  readonly events = new Counter('stateflow_events_processed_total', 'Events processed by the Python host, by kind.');
  readonly batchSize = new Histogram('stateflow_batch_size', 'Events per host batch.', SIZE_BUCKETS);
  readonly hostSeconds = new Histogram('stateflow_host_batch_duration_seconds', 'Time of one host batch.', LATENCY_BUCKETS);
  readonly commitSeconds = new Histogram('stateflow_store_commit_duration_seconds', 'Time until a batch commit is durable.', LATENCY_BUCKETS);
  readonly requests = new Counter('stateflow_requests_total', 'Finished requests by outcome (ok, error).');
  readonly idempotentHits = new Counter('stateflow_idempotent_replays_total', 'Requests answered from a recorded outcome.');
  /** Requests answered at a callee's instance (detached resume blocks, `resumeDetached`). */
  readonly detached = new Counter(
    'stateflow_detached_responses_total',
    "Requests answered at a callee's instance, where the callers' detached resume blocks ran (resumeDetached).",
  );
  /** `detached`'s only series, resolved once (counted per response). */
  readonly detachedResponses = this.detached.labels();
  /** `requests` with outcome `ok` and `error`, resolved once (counted per request). */
  readonly requestsOk = this.requests.labels({ outcome: 'ok' });
  readonly requestsFailed = this.requests.labels({ outcome: 'error' });
  private readonly eventsByKind = new Map<string, CounterSeries>();
  private readonly extra: Metric[] = [];

  /** The `events` series of one event kind (cached, as it is counted per event). */
  eventsOf(kind: string): CounterSeries {
    let series = this.eventsByKind.get(kind);
    if (!series) {
      series = this.events.labels({ kind });
      this.eventsByKind.set(kind, series);
    }
    return series;
  }

  /** Counts one handled HTTP request (the gateway's {@link GatewayMetrics} hook). */
  observeRequest(route: string, status: number, durationMs: number): void {
    this.httpRequests.inc({ route, status: String(status) });
    this.httpDuration.observe(durationMs / 1000, { route });
  }

  /** Adds a gauge read at scrape time. */
  gauge(name: string, help: string, read: () => number): void {
    this.extra.push(new Gauge(name, help, read));
  }

  /** Adds a counter kept elsewhere (it only grows), read at scrape time. */
  counterFrom(name: string, help: string, read: () => number): void {
    this.extra.push(new Gauge(name, help, read, 'counter'));
  }

  /** The Prometheus text exposition of every metric. */
  render(): string {
    const all: Metric[] = [
      this.httpRequests,
      this.httpDuration,
      this.events,
      this.batchSize,
      this.hostSeconds,
      this.commitSeconds,
      this.requests,
      this.idempotentHits,
      this.detached,
      ...this.extra,
    ];
    return `${all.map((m) => m.render()).join('\n')}\n`;
  }
}
