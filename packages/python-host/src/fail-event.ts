import type { ErrorValue, Event, Frame } from '@stateflow/ir';
import type { HostResult } from './host.js';

/**
 * The result of `event` failing with `error` without running user code, as
 * `Kernel.fail` (`stateflow_kernel/kernel.py`) builds it: the error goes to the waiting
 * frame (frames of the target's own instance are skipped, as an in-line self call's
 * are), or to the client as the request's `Response`, exactly as if the hop had raised.
 * The target's state is unchanged.
 *
 * Built here, not by the kernel, so that an event the kernel cannot read (a value
 * nested too deeply, a worker that dies on it) can still be failed: only its routing
 * fields are used.
 */
export function failedResult(event: Event, error: ErrorValue): HostResult {
  const target = 'target' in event ? event.target : undefined;
  const stack: Frame[] = event.stack.slice();
  while (target && stack.length > 0 && atHome(stack[stack.length - 1]!, target)) stack.pop();
  const base = { requestId: event.requestId, seq: event.seq + 1, replyTo: event.replyTo };
  const result = { error };
  const frame = stack.pop();
  if (frame) {
    return { out: [{ kind: 'Reply', ...base, target: { entity: frame.entity, key: frame.key }, frame, result, stack }] };
  }
  return { out: [{ kind: 'Response', ...base, result, stack: [] }] };
}

function atHome(frame: Frame, target: { entity: string; key: string }): boolean {
  return frame.entity === target.entity && frame.key === target.key;
}
