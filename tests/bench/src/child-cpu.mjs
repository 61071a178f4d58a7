/**
 * CPU time (user + system, µs) of the direct child processes of this process, read
 * from `/proc` (Linux): the kernel processes of a subprocess host.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ). */
const TICK = 100;

export function childrenCpuMicros() {
  let total = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      total += ((Number(fields[11]) + Number(fields[12])) / TICK) * 1e6;
    } catch {
      // The process ended while we read it.
    }
  }
  return total;
}
