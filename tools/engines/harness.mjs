// The engine-test harness, for the vitest suites of the engine backends (tests/<engine>):
// the cache, the fetch/setup scripts, processes started in their own process group with
// a readiness probe on loopback, and a pid registry so that nothing a suite started
// outlives it, even when the runner is interrupted or killed. See README.md ("The
// harness"). Plain ESM with JSDoc: suites import it by path, nothing to build.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** This folder (the engine scripts). */
export const ENGINES_DIR = dirname(fileURLToPath(import.meta.url));

/**
 * `${STATEFLOW_CACHE:-${XDG_CACHE_HOME:-~/.cache}/stateflow}`: every download, and the
 * pid registries. lib.sh computes the same for the scripts.
 */
export function cacheDir(env = process.env) {
  if (env.STATEFLOW_CACHE) return env.STATEFLOW_CACHE;
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'stateflow');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a script of this folder (e.g. `kafka/fetch.sh`, `flink/setup.sh`): downloads go
 * to the cache once, later runs return at once. Resolves with its stdout; rejects with
 * its stderr's last lines.
 * @param {string} script path relative to tools/engines
 * @param {string[]} [args]
 * @param {{ timeoutMs?: number }} [options]
 */
export async function runScript(script, args = [], { timeoutMs = 900_000 } = {}) {
  try {
    // bash, not the file itself: an installed copy may have lost its executable bit.
    const { stdout } = await promisify(execFile)('bash', [join(ENGINES_DIR, script), ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const tail = String(err.stderr ?? '').trim().split('\n').slice(-15).join('\n');
    throw new Error(`tools/engines/${script} failed (${err.code ?? err.signal}):\n${tail}`);
  }
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** True while any process of the process group `pgid` is alive. */
export function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * Ends the process group `pgid`: SIGTERM, then SIGKILL after `graceMs`. Resolves true
 * once nothing of it is left.
 */
export async function stopGroup(pgid, { graceMs = 10_000 } = {}) {
  const signal = (sig) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      /* gone */
    }
  };
  if (!groupAlive(pgid)) return true;
  signal('SIGTERM');
  for (const end = Date.now() + graceMs; Date.now() < end; await sleep(100)) if (!groupAlive(pgid)) return true;
  signal('SIGKILL');
  for (const end = Date.now() + 5_000; Date.now() < end; await sleep(100)) if (!groupAlive(pgid)) return true;
  return !groupAlive(pgid);
}

/**
 * The process groups a suite started, one file each under
 * `<cache>/run/pids/<suite>/<pgid>` (what it is, when it started). Anyone may add to it
 * (the vitest workers that start jobs) and anyone may reap it: the suite's global setup
 * reaps it when it starts (what a killed run left), on SIGINT/SIGTERM, and at the end.
 * @param {string} suite e.g. `flink`
 */
export function pidRegistry(suite, env = process.env) {
  const dir = join(cacheDir(env), 'run', 'pids', suite);
  return {
    dir,
    /** Records a process group (its leader's pid) as started by this suite. */
    register(pgid, what) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, String(pgid)), `${what}\nstarted ${new Date().toISOString()} by pid ${process.pid}\n`);
    },
    /** Forgets a process group that was stopped. */
    unregister(pgid) {
      rmSync(join(dir, String(pgid)), { force: true });
    },
    /** The recorded process groups that are still alive. */
    alive() {
      let names = [];
      try {
        names = readdirSync(dir);
      } catch {
        return [];
      }
      return names.filter((n) => /^\d+$/.test(n) && groupAlive(Number(n))).map(Number);
    },
    /**
     * Ends every recorded process group (but those in `except`, e.g. a broker stopped
     * by its own script next) and clears their records. `log` hears about each group
     * that was still running.
     * @param {(message: string) => void} [log]
     * @param {{ except?: number[] }} [options]
     */
    async reap(log = () => {}, { except = [] } = {}) {
      let names = [];
      try {
        names = readdirSync(dir).filter((n) => /^\d+$/.test(n) && !except.includes(Number(n)));
      } catch {
        return 0;
      }
      let ended = 0;
      await Promise.all(
        names.map(async (name) => {
          const pgid = Number(name);
          if (groupAlive(pgid)) {
            let what = '';
            try {
              what = readFileSync(join(dir, name), 'utf8').split('\n')[0];
            } catch {
              /* removed meanwhile */
            }
            log(`stopping process group ${pgid} (${what}), still running`);
            await stopGroup(pgid, { graceMs: 5_000 });
            ended++;
          }
          rmSync(join(dir, name), { force: true });
        }),
      );
      return ended;
    },
  };
}

/**
 * Starts `command` in its own process group (so that stopping it ends its children
 * too), records it in `registry`, and resolves once `ready()` answers true; rejects,
 * after stopping it, if it exits first or `timeoutMs` passes. Output goes to `logFile`.
 * @param {{ name: string, command: string, args?: string[], cwd?: string, env?: NodeJS.ProcessEnv,
 *   logFile: string, ready: () => Promise<boolean>, timeoutMs?: number,
 *   registry?: ReturnType<typeof pidRegistry> }} options
 * @returns {Promise<{ pid: number, stop(): Promise<boolean> }>}
 */
export async function startProcess({ name, command, args = [], cwd, env, logFile, ready, timeoutMs = 120_000, registry }) {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not start ${command}`);
  child.unref();
  registry?.register(pid, name);
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    const ok = await stopGroup(pid);
    registry?.unregister(pid);
    return ok;
  };
  const tail = () => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '(no log)';
    }
  };
  for (const end = Date.now() + timeoutMs; ; await sleep(200)) {
    if (await ready().catch(() => false)) return { pid, stop };
    if (exited) {
      await stop();
      throw new Error(`${name} exited before it was ready; the end of ${logFile}:\n${tail()}`);
    }
    if (Date.now() > end) {
      await stop();
      throw new Error(`${name} was not ready after ${timeoutMs / 1000} s; the end of ${logFile}:\n${tail()}`);
    }
  }
}

/**
 * Makes SIGINT and SIGTERM of this process (Ctrl-C on the runner) run `cleanup` before
 * exiting (130/143). Returns the function that removes the handlers.
 * @param {() => Promise<unknown>} cleanup
 */
export function onInterrupt(cleanup) {
  const handler = (signal) => {
    void Promise.resolve()
      .then(cleanup)
      .catch(() => undefined)
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
