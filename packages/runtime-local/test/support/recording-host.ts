import type { HostRequest, HostResult, PythonHost } from '@stateflow/python-host';

/**
 * Wraps a real host and records every batch and how many batches were in flight at
 * once, so tests can check the scheduling invariants on real Python.
 */
export class RecordingHost implements PythonHost {
  readonly batches: HostRequest[][] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly inner: PythonHost) {}

  get kind(): string {
    return this.inner.kind;
  }

  load(...args: Parameters<PythonHost['load']>): Promise<void> {
    return this.inner.load(...args);
  }

  async process(batch: HostRequest[]): Promise<HostResult[]> {
    this.batches.push(batch);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.inner.process(batch);
    } finally {
      this.inFlight--;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
