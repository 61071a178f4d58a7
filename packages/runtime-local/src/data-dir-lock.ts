import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DataDirError } from './data-dir-error.js';

/** Name of the lock file inside a data directory. */
export const LOCK_FILE = 'stateflow.lock';

/** Who holds a data directory's lock (the content of its lock file). */
export interface LockHolder {
  /** The holder's process id. */
  pid: number;
  /** The host the holder runs on (`os.hostname()`). */
  hostname: string;
  /** What the holder runs, e.g. `stateflow serve`. */
  command?: string;
  /** Where the holder serves, once known (e.g. `http://127.0.0.1:8080`). */
  url?: string;
  /** When the holder took the lock (ISO 8601). */
  since: string;
  /** Linux: the holder's start time (clock ticks since boot), to tell a reused pid apart. */
  procStart?: string;
  /** Linux: the boot the holder ran in (a reboot frees every lock). */
  bootId?: string;
}

/** The data directory is in use by another process (or by this one, through another store). */
export class DataDirLockedError extends DataDirError {
  override readonly name: string = 'DataDirLockedError';
  constructor(
    dir: string,
    /** The lock file's content, when it could be read. */
    readonly holder: LockHolder | undefined,
    /** The lock file (`stateflow.lock` in the directory). */
    readonly lockFile: string,
  ) {
    super(dir, lockedMessage(dir, holder, lockFile));
  }
}

/** Directories this process holds, so a second store in the same process is refused too. */
const heldHere = new Set<string>();
/** A takeover left behind by a process killed inside it is ignored after this long. */
const STALE_TAKEOVER_MS = 10_000;

/**
 * An exclusive lock on a data directory: one process at a time writes to it (two
 * servers on one LMDB directory both run, and their group commits overwrite each other's
 * states). The lock is a file holding its owner's pid, host name and, on Linux, boot id
 * and process start time. A lock whose owner is gone (exited, killed with SIGKILL, the
 * machine rebooted) is free: the next owner takes it over. Node has no `flock`, and the
 * libraries that add one need a C compiler at install time; pid files go stale after a
 * SIGKILL, which is why liveness is checked rather than the file's existence or age.
 * Cost: a lock written on another host (a shared volume) cannot be checked, so it is
 * honoured until someone removes the file.
 */
export class DataDirLock {
  private released = false;

  private constructor(
    readonly dir: string,
    private readonly path: string,
    private holder: LockHolder,
  ) {}

  /**
   * Takes the lock of `dir` (which must exist).
   * @throws {DataDirLockedError} when a live process holds it.
   */
  static acquire(dir: string, details: { command?: string } = {}): DataDirLock {
    const key = realpathSync(dir);
    const path = join(key, LOCK_FILE);
    if (heldHere.has(key)) throw new DataDirLockedError(dir, readHolder(path), path);
    const me: LockHolder = { pid: process.pid, hostname: hostname(), since: new Date().toISOString(), ...details, ...linuxIdentity(process.pid) };
    for (let attempt = 0; attempt < 50; attempt++) {
      if (createExclusive(path, me)) {
        heldHere.add(key);
        return new DataDirLock(key, path, me);
      }
      const holder = readHolder(path);
      if (holder === undefined && existsQuietly(path)) {
        // Being written by its new owner this instant, or unreadable garbage: look again.
        if (attempt < 10) {
          sleepSync(10);
          continue;
        }
      }
      if (holder !== undefined && isAlive(holder)) throw new DataDirLockedError(dir, holder, path);
      takeOverStale(path, holder);
    }
    throw new DataDirLockedError(dir, readHolder(path), path);
  }

  /** Adds where the owner serves to the lock file, for the message another process shows. */
  describe(details: { url?: string; command?: string }): void {
    if (this.released) return;
    this.holder = { ...this.holder, ...details };
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(this.holder));
    renameSync(temp, this.path);
  }

  /** Gives the lock up (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.dir);
    try {
      const holder = readHolder(this.path);
      if (holder?.pid === process.pid && holder.since === this.holder.since) unlinkSync(this.path);
    } catch {
      // Already gone: nothing to give up.
    }
  }
}

function createExclusive(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(holder));
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a stale lock file. Two processes may find the same stale lock at once: a
 * takeover directory (mkdir is atomic) lets one of them remove it, after checking that
 * it is still the stale one it saw, so neither removes the other's fresh lock.
 */
function takeOverStale(path: string, seen: LockHolder | undefined): void {
  const guard = `${path}.takeover`;
  try {
    mkdirSync(guard);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    try {
      if (Date.now() - statSync(guard).mtimeMs > STALE_TAKEOVER_MS) rmdirSync(guard);
    } catch {
      // Removed by its owner meanwhile.
    }
    sleepSync(20);
    return;
  }
  try {
    const now = readHolder(path);
    if (now === undefined ? seen === undefined : seen !== undefined && now.pid === seen.pid && now.since === seen.since) {
      try {
        unlinkSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  } finally {
    rmdirSync(guard);
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return typeof parsed?.pid === 'number' && typeof parsed.hostname === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function existsQuietly(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether the lock's owner still runs (a lock from another host counts as alive). */
function isAlive(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return true;
  const here = linuxIdentity(holder.pid);
  if (holder.bootId && here.bootId && holder.bootId !== here.bootId) return false;
  // Our own pid in a lock we do not hold here: left by an earlier process that had it (a container restarted).
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: it runs, as another user.
  }
  // The pid may have been reused by an unrelated process since the owner died.
  return !(holder.procStart && here.procStart && holder.procStart !== here.procStart);
}

/** On Linux: the boot id and the start time of process `pid`; empty elsewhere. */
function linuxIdentity(pid: number): { procStart?: string; bootId?: string } {
  const identity: { procStart?: string; bootId?: string } = {};
  try {
    identity.bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    // Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces, so count after its ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    if (start) identity.procStart = start;
  } catch {
    // Not Linux, or no such process.
  }
  return identity;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function lockedMessage(dir: string, holder: LockHolder | undefined, lockFile: string): string {
  if (!holder) return `the data directory ${dir} is locked by another process (${lockFile}); stop it first, or use another --data-dir`;
  const who = `${holder.command ?? 'a StateFlow process'} (pid ${holder.pid}${holder.hostname !== hostname() ? ` on host ${holder.hostname}` : ''}${holder.url ? `, serving ${holder.url}` : ''}, since ${holder.since})`;
  if (holder.pid === process.pid && holder.hostname === hostname()) {
    return `the data directory ${dir} is already open in this process; open it once and share the store`;
  }
  const fix =
    holder.hostname !== hostname()
      ? `stop it first; if no StateFlow runs there any more, delete ${lockFile}`
      : 'stop it first, or use another --data-dir';
  return `the data directory ${dir} is in use by ${who}; ${fix}`;
}
