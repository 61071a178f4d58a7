/**
 * A small Prometheus registry (text exposition format 0.0.4): counters and histograms
 * with labels, and gauges read at scrape time. No dependency, no per-observation
 * allocation beyond the first use of a label set.
 */

type Labels = { [name: string]: string };

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

interface Metric {
  render(): string;
}

/** A monotonically increasing count per label set. */
export class Counter implements Metric {
  private readonly values = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}

  /** Adds `n` (default 1) to the series with these labels. */
  inc(labels: Labels = {}, n = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + n);
  }

  /** The current value of one series. */
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [labels, value] of this.values) lines.push(`${this.name}${labels} ${value}`);
    return lines.join('\n');
  }
}

/** A value read when scraped. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read: () => number,
  ) {}

  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${this.read()}`].join('\n');
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
  observe(value: number, labels: Labels = {}): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: new Float64Array(this.buckets.length), sum: 0, count: 0 };
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
export class RuntimeMetrics {
  readonly httpRequests = new Counter('stateflow_http_requests_total', 'HTTP requests by route and status.');
  readonly httpDuration = new Histogram('stateflow_http_request_duration_seconds', 'HTTP request latency by route.', LATENCY_BUCKETS);
  readonly events = new Counter('stateflow_events_processed_total', 'Events processed by the Python host, by kind.');
  readonly batchSize = new Histogram('stateflow_batch_size', 'Events per host batch.', SIZE_BUCKETS);
  readonly hostSeconds = new Histogram('stateflow_host_batch_duration_seconds', 'Time of one host batch.', LATENCY_BUCKETS);
  readonly commitSeconds = new Histogram('stateflow_store_commit_duration_seconds', 'Time until a batch commit is durable.', LATENCY_BUCKETS);
  readonly requests = new Counter('stateflow_requests_total', 'Finished requests by outcome (ok, error).');
  readonly idempotentHits = new Counter('stateflow_idempotent_replays_total', 'Requests answered from a recorded outcome.');
  private readonly extra: Metric[] = [];

  /** Adds a gauge read at scrape time. */
  gauge(name: string, help: string, read: () => number): void {
    this.extra.push(new Gauge(name, help, read));
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
      ...this.extra,
    ];
    return `${all.map((m) => m.render()).join('\n')}\n`;
  }
}
