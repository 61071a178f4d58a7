/**
 * CPU time of a process tree, read from /proc (Linux): where a benchmark's time goes.
 * `cpuOf(rootPid)` sums user+system time (ms) of the root and every descendant, grouped by
 * kind: `jvm` (java), `python` (Python processes below the root: PyFlink's workers), `root` (the root process: a
 * local job's `job.py`, which runs the Python operators itself when PyFlink's loopback mode is on).
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' ');
    return { pid, comm, ppid: Number(f[1]), cpuMs: (Number(f[11]) + Number(f[12])) * TICK_MS };
  } catch {
    return undefined;
  }
}

/** Every process's `stat` now, or undefined (not Linux). */
function allProcesses() {
  try {
    return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).map(stat).filter(Boolean);
  } catch {
    return undefined;
  }
}

/** CPU ms one process has used so far (user + system), or NaN (it ended, or not Linux). */
export function processCpuMs(pid) {
  return stat(pid)?.cpuMs ?? NaN;
}

/** `{ jvm, python, root, total }` CPU ms of `rootPid`'s tree now (undefined off Linux). */
export function cpuOf(rootPid) {
  const all = allProcesses();
  if (!all) return undefined;
  const children = new Map();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out = { jvm: 0, python: 0, root: 0, total: 0 };
  const root = all.find((p) => p.pid === rootPid);
  if (!root) return undefined;
  const walk = (p, depth) => {
    const kind = depth === 0 ? 'root' : p.comm.startsWith('java') ? 'jvm' : p.comm.startsWith('python') ? 'python' : 'root';
    out[kind] += p.cpuMs;
    out.total += p.cpuMs;
    for (const c of children.get(p.pid) ?? []) walk(c, depth + 1);
  };
  walk(root, 0);
  return out;
}

/** The pid of the first `java` process in `rootPid`'s tree (a local job's mini-cluster), or undefined. */
export function javaIn(rootPid) {
  const all = allProcesses();
  if (!all) return undefined;
  const queue = [rootPid];
  while (queue.length) {
    const pid = queue.shift();
    const p = all.find((q) => q.pid === pid);
    if (p?.comm.startsWith('java')) return pid;
    queue.push(...all.filter((q) => q.ppid === pid).map((q) => q.pid));
  }
  return undefined;
}

/** CPU ms per operation between two `cpuOf` readings. */
export function cpuPerOp(before, after, ops) {
  if (!before || !after || !ops) return undefined;
  const per = (k) => Number(((after[k] - before[k]) / ops).toFixed(3));
  return { jvm: per('jvm'), python: per('python'), root: per('root'), total: per('total') };
}

/** `{ busy, cores }`: CPU ms all cores of the machine spent busy so far (every process), from /proc/stat. */
export function machineCpu() {
  try {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    const f = lines[0].split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
    return { busy: busy * TICK_MS, cores: lines.filter((l) => /^cpu\d/.test(l)).length };
  } catch {
    return undefined;
  }
}

/**
 * `{ jit, gc }` CPU ms so far of one JVM's compiler threads (`C1/C2 CompilerThre`) and its
 * garbage collector's (`GC Thread#n`, `G1 ...`): what a JVM spends besides the job's own work.
 */
export function jvmThreadsCpu(pid) {
  const out = { jit: 0, gc: 0 };
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  for (const tid of tids) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const close = text.lastIndexOf(')');
      const comm = text.slice(text.indexOf('(') + 1, close);
      const f = text.slice(close + 2).split(' ');
      const ms = (Number(f[11]) + Number(f[12])) * TICK_MS;
      if (/Compiler/i.test(comm)) out.jit += ms;
      else if (/^(GC |G1 )/.test(comm)) out.gc += ms;
    } catch {
      /* the thread ended meanwhile */
    }
  }
  return out;
}

/**
 * CPU ms so far of one JVM's threads by name (`jstack`: the full names, which /proc cuts to 15
 * characters), digits of pools and subtask numbers folded (`kafka-producer-network-thread | x-7`
 * and `-8` are one row): which of a job's threads keep its cores busy. Undefined without jstack.
 */
export async function jvmThreadsByName(pid, run) {
  let text;
  try {
    text = (await run('jstack', [String(pid)], { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch {
    return undefined;
  }
  const out = new Map();
  for (const m of text.matchAll(/^"(.+?)".*?cpu=([\d.]+)ms/gm)) {
    const name = m[1].replace(/\d+/g, '#');
    out.set(name, (out.get(name) ?? 0) + Number(m[2]));
  }
  return out;
}

/** The `top` names with the most CPU ms per second between two `jvmThreadsByName` readings. */
export function busiestThreads(before, after, seconds, top = 20) {
  if (!before || !after) return undefined;
  return [...after]
    .map(([name, ms]) => [name, (ms - (before.get(name) ?? 0)) / seconds])
    .filter(([, perSecond]) => perSecond > 0.5)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, perSecond]) => ({ name, msPerSecond: Number(perSecond.toFixed(1)) }));
}
