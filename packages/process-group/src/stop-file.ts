import { rmSync, writeFileSync } from 'node:fs';
import type { ProcessGroup } from './process-group.js';

/**
 * Asks a program that watches `stopFile` to stop by creating that file (a job cancels and
 * exits cleanly, where a signal would cut it short). Waits `waitMs` for the program to exit
 * and then up to 10 s for the rest of its group; what is left gets SIGTERM, then SIGKILL.
 * Resolves with the program's exit status; the stop file is removed.
 */
export async function stopWithFile(group: ProcessGroup, stopFile: string, waitMs: number): Promise<number> {
  writeFileSync(stopFile, '');
  let timer: NodeJS.Timeout | undefined;
  const exited = await Promise.race([group.exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs)))]);
  clearTimeout(timer);
  if (!exited || !(await group.waitGone(10_000))) await group.terminate(5_000);
  rmSync(stopFile, { force: true });
  return group.exited;
}
