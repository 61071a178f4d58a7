import type { GatewayMetrics } from './engine.js';

/** Request counts and durations of a gateway whose engine keeps no metrics of its own. */
export class RequestMetrics implements GatewayMetrics {
  private readonly counts = new Map<string, number>();
  private readonly durations = new Map<string, { sum: number; count: number }>();

  observeRequest(route: string, status: number, durationMs: number): void {
    const key = `route="${route}",status="${status}"`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const d = this.durations.get(route) ?? { sum: 0, count: 0 };
    d.sum += durationMs / 1000;
    d.count++;
    this.durations.set(route, d);
  }

  render(): string {
    const lines = [
      '# HELP stateflow_http_requests_total HTTP requests handled by the gateway.',
      '# TYPE stateflow_http_requests_total counter',
      ...[...this.counts].map(([labels, n]) => `stateflow_http_requests_total{${labels}} ${n}`),
      '# HELP stateflow_http_request_duration_seconds Time to answer an HTTP request.',
      '# TYPE stateflow_http_request_duration_seconds summary',
      ...[...this.durations].flatMap(([route, d]) => [
        `stateflow_http_request_duration_seconds_sum{route="${route}"} ${d.sum}`,
        `stateflow_http_request_duration_seconds_count{route="${route}"} ${d.count}`,
      ]),
    ];
    return `${lines.join('\n')}\n`;
  }
}
