import { describe, expect, it } from 'vitest';
import { Counter, Histogram, RuntimeMetrics } from '../src/metrics.js';

describe('metrics', () => {
  it('renders a series resolved with labels() like one counted with inc(labels)', () => {
    const byLabels = new Counter('c', 'help');
    byLabels.inc({ kind: 'Reply' });
    byLabels.inc({ kind: 'Invoke' }, 2);
    byLabels.inc({ kind: 'Reply' });

    const byHandle = new Counter('c', 'help');
    const invoke = byHandle.labels({ kind: 'Invoke' });
    const reply = byHandle.labels({ kind: 'Reply' });
    expect(byHandle.labels({ kind: 'Reply' })).toBe(reply);
    // A series resolved but never incremented is not shown; order is that of first increments.
    expect(byHandle.render()).toBe('# HELP c help\n# TYPE c counter\nc 0');
    reply.inc();
    invoke.inc(2);
    reply.inc();

    expect(byHandle.render()).toBe(byLabels.render());
    expect(byHandle.render()).toBe('# HELP c help\n# TYPE c counter\nc{kind="Reply"} 2\nc{kind="Invoke"} 2');
    expect(byHandle.get({ kind: 'Reply' })).toBe(2);
    expect(byHandle.get({ kind: 'Construct' })).toBe(0);
  });

  it('shows a series from inc(labels, 0) on, as before', () => {
    const counter = new Counter('c', 'help');
    counter.inc({ kind: 'local' }, 0);
    expect(counter.render()).toBe('# HELP c help\n# TYPE c counter\nc{kind="local"} 0');
  });

  it('renders an unlabelled histogram series without labels', () => {
    const histogram = new Histogram('h', 'help', [1, 2]);
    histogram.observe(1.5);
    histogram.observe(0.5, {});
    expect(histogram.render()).toBe(
      ['# HELP h help', '# TYPE h histogram', 'h_bucket{le="1"} 1', 'h_bucket{le="2"} 2', 'h_bucket{le="+Inf"} 2', 'h_sum 2', 'h_count 2'].join('\n'),
    );
  });

  it('counts events per kind and requests per outcome through cached series', () => {
    const metrics = new RuntimeMetrics();
    expect(metrics.eventsOf('Invoke')).toBe(metrics.eventsOf('Invoke'));
    metrics.eventsOf('Invoke').inc();
    metrics.eventsOf('local').inc(3);
    metrics.requestsFailed.inc();
    metrics.requestsOk.inc();
    expect(metrics.events.get({ kind: 'Invoke' })).toBe(1);
    expect(metrics.events.get({ kind: 'local' })).toBe(3);
    const text = metrics.render();
    expect(text).toContain('stateflow_requests_total{outcome="error"} 1\nstateflow_requests_total{outcome="ok"} 1\n');
    expect(text).toContain('stateflow_events_processed_total{kind="Invoke"} 1\nstateflow_events_processed_total{kind="local"} 3\n');
  });
});
