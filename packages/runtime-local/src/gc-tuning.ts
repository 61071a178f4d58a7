import { setFlagsFromString } from 'node:v8';

let tuned = false;

/**
 * V8 flags the runtime sets for its process, once. Each changes a heuristic of the
 * garbage collector, never what a program does. Measured on the benchmark (see the
 * performance guide):
 *
 * - `--no-allocation-site-pretenuring`: while many calls are in flight (a burst, a
 *   closed-loop load), most request objects outlive a young-generation collection, and
 *   V8 starts allocating them straight in the old generation. Once the load is lighter
 *   they die young but are only freed by a full collection, and until then every young
 *   object they point to is kept alive and promoted as well. At 72,000 calls/s after a
 *   burst: 0.7–1.6 MB promoted per young collection and 2.4–3.8 ms pauses with
 *   pretenuring, about 50 KB and 0.6–1.3 ms without.
 * - `--heap-growing-percent=400`: the old generation may grow to five times what the
 *   last full collection left alive before the next one starts. Entity states are
 *   long-lived and replaced on every update, so the old generation fills with dead
 *   states at a steady rate (about 5 MB/s at 70,000 calls/s, uniform keys). With V8's
 *   own factor (about 2 for a small heap) a full collection came every 1–1.5 s and
 *   each one delayed calls by 20–30 ms; at five times, one comes every ten seconds or
 *   more, so its delay stays well under 1% of the calls. The cost is memory: up to
 *   five times the live heap.
 */
const FLAGS: readonly string[] = ['--no-allocation-site-pretenuring', '--heap-growing-percent=400'];

/** Sets {@link FLAGS}, once per process, except a flag the process was started with. */
export function tuneGarbageCollector(): void {
  if (tuned) return;
  tuned = true;
  for (const flag of gcFlagsToSet([...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)])) setFlagsFromString(flag);
}

/** The flags of {@link FLAGS} that none of `given` (command-line arguments) sets already. */
export function gcFlagsToSet(given: readonly string[]): string[] {
  const names = new Set(given.filter((arg) => arg.startsWith('--')).map(flagName));
  return FLAGS.filter((flag) => !names.has(flagName(flag)));
}

/** `--no-foo-bar=1` and `--foo_bar` both name `foo-bar`. */
function flagName(arg: string): string {
  return arg
    .replace(/^--(no-)?/, '')
    .replace(/=.*$/, '')
    .replace(/_/g, '-');
}
