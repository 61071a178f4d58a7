import type { HostRequest, HostResult } from './host.js';

/**
 * Runs the requests of a batch one at a time with `runOne`, in order, each as a request
 * of its own: a `chained` request gets the state its predecessor left (the state that
 * one returned, else the one it ran on). Used to re-run a batch that failed as a whole,
 * so that only the event at fault fails.
 */
export async function runOneByOne(
  requests: readonly HostRequest[],
  runOne: (request: HostRequest, index: number) => Promise<HostResult>,
): Promise<HostResult[]> {
  const out: HostResult[] = [];
  const last = new Map<string, HostRequest['state']>();
  for (let i = 0; i < requests.length; i++) {
    const request = requests[i]!;
    const event = request.event;
    const id = 'target' in event ? `${event.target.entity}\u0000${event.target.key}` : undefined;
    const state = request.chained && id !== undefined ? (last.get(id) ?? null) : request.state;
    const result = await runOne({ event, state }, i);
    if (id !== undefined) last.set(id, result.state ?? state);
    out.push(result);
  }
  return out;
}
