/**
 * CPU time of this process's threads, by thread, from /proc (Linux): where the
 * process's CPU goes besides the main thread (V8's GC helpers, libuv's pool, LMDB's
 * writer, worker threads).
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/**
 * Map of thread → CPU µs (user + system) so far, keyed by name and id (`main` for the
 * main thread: Node leaves most of its threads unnamed).
 */
export function threadCpuMicros() {
  const byName = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    let stat;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = tid === String(process.pid) ? 'main' : `${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}#${tid}`;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const micros = ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
    byName.set(name, (byName.get(name) ?? 0) + micros);
  }
  return byName;
}

/** `after - before` per thread name, the largest first, as `name=µs per call` text. */
export function threadCpuPerCall(before, after, calls) {
  return [...after]
    .map(([name, micros]) => [name, (micros - (before.get(name) ?? 0)) / calls])
    .filter(([, perCall]) => perCall >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([name, perCall]) => `${name}=${perCall.toFixed(1)}`)
    .join(' ');
}
