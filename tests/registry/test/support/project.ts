// Clean projects outside the monorepo, installed from the local registry as a user would,
// and what their installs weigh.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';

export const registryUrl = (): string => inject('registryUrl');

/** The program every scenario compiles and serves: one entity, one method. */
export const COUNTER_APP = `from stateflow import stateflow


@stateflow
class Counter:
    def __init__(self, name: str):
        self.name: str = name
        self.count: int = 0

    def add(self, amount: int) -> int:
        self.count += amount
        return self.count

    def __key__(self):
        return self.name
`;

/** The CPython the subprocess host and the template's engine use. */
export const python = process.env['STATEFLOW_PYTHON'] ?? 'python3';

/**
 * A new empty project in the system's temporary folder (so nothing of the monorepo is
 * on its module path), whose `.npmrc` takes `@stateflow/*` from the local registry;
 * everything else comes from the registry the machine is configured with.
 */
export function newProject(name: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `stateflow-${name}-`));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, version: '0.0.0', private: true }, null, 2)}\n`);
  writeFileSync(join(dir, '.npmrc'), `@stateflow:registry=${registryUrl()}\n`);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

/** Removes a scenario's project (its node_modules are tens of MB); STATEFLOW_KEEP_PROJECTS=1 keeps them to look at. */
export function removeProject(dir: string): void {
  if (process.env['STATEFLOW_KEEP_PROJECTS'] === '1') process.stdout.write(`[registry-tests] kept ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a user's shell, less the monorepo's own settings. */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  };
  // pnpm and vitest set these for the suite; a user's shell has none of them.
  for (const key of Object.keys(env)) {
    if (/^(npm_package_|npm_lifecycle_|PNPM_|pnpm_config_|VITEST|TURBO_)/i.test(key) || key === 'NODE_OPTIONS' || key === 'npm_config_user_agent') delete env[key];
  }
  return { ...env, ...extra };
}

/** Runs a command to its end (at most `timeoutMs`) and returns its exit code and output. */
export function run(cwd: string, command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}, timeoutMs = 600_000): Run {
  const r = spawnSync(command, args, { cwd, env: userEnv(extraEnv), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? `\n${String(r.error)}` : ''}` };
}

/** Like {@link run}, but throws with the command's output when it fails. */
export function ok(cwd: string, command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}, timeoutMs?: number): Run {
  const r = run(cwd, command, args, extraEnv, timeoutMs);
  if (r.code !== 0) throw new Error(`\`${command} ${args.join(' ')}\` in ${cwd} failed (exit ${r.code}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r;
}

function duBytes(dir: string): number {
  const r = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
  return Number(r.stdout.split('\t')[0]);
}

export interface InstallStats {
  /** `du -sb node_modules` (pnpm: the project's virtual store and links, which is where its files are). */
  bytes: number;
  /** Installed packages (name@version, each once). */
  packages: number;
  /** Their names. */
  names: Set<string>;
}

/** What an install put into `dir/node_modules`, read from the package manager's own record of it. */
export function installStats(dir: string, manager: 'npm' | 'pnpm'): InstallStats {
  const modules = join(dir, 'node_modules');
  const names = new Set<string>();
  let packages = 0;
  if (manager === 'npm') {
    // npm's hidden lockfile lists every installed package folder.
    const lock = JSON.parse(readFileSync(join(modules, '.package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; link?: boolean }> };
    const seen = new Set<string>();
    for (const [path, info] of Object.entries(lock.packages)) {
      if (!path || info.link) continue;
      const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      names.add(name);
      seen.add(`${name}@${info.version}`);
    }
    packages = seen.size;
  } else {
    const seen = new Set<string>();
    // pnpm's virtual store: one folder per package version, node_modules/.pnpm/<name>@<version>/node_modules/<name>.
    const store = join(modules, '.pnpm');
    for (const entry of readdirSync(store)) {
      const inner = join(store, entry, 'node_modules');
      if (!existsSync(inner) || !lstatSync(inner).isDirectory()) continue;
      // `<name>@<version>[_<peers>]`, a scoped name written `@scope+name`.
      const at = entry.indexOf('@', 1);
      if (at < 0) continue;
      const name = entry.slice(0, at).replace(/^(@[^+]+)\+/, '$1/');
      names.add(name);
      seen.add(`${name}@${entry.slice(at + 1).split('_')[0]}`);
    }
    packages = seen.size;
  }
  return { bytes: duBytes(modules), packages, names };
}

/** The packages of ours (`@stateflow/*`) in an install, and the heavy ones only `serve` needs. */
export const HEAVY = ['pyodide', 'lmdb', 'apache-arrow', 'parquet-wasm', 'kafkajs', '@aws-sdk/client-lambda'];
export function ours(stats: InstallStats): string[] {
  return [...stats.names].filter((n) => n.startsWith('@stateflow/')).sort();
}
export function heavy(stats: InstallStats): string[] {
  return HEAVY.filter((n) => stats.names.has(n));
}

/** The package a command asks for ("this command needs the package X"), if it does. */
export function neededPackage(output: string): string | undefined {
  return /this command needs the package (\S+)/.exec(output)?.[1];
}

export const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** Install sizes measured by the scenarios, printed at the end of the run. */
export function record(label: string, stats: InstallStats): void {
  const line = `${label.padEnd(46)} ${mb(stats.bytes).padStart(9)}  ${String(stats.packages).padStart(4)} packages`;
  process.stdout.write(`[registry-tests] install size: ${line}\n`);
}

/**
 * Starts `stateflow serve` (through `command args`), waits for it to listen, creates a
 * Counter and calls `add` once over HTTP, then stops the server. Returns the answers.
 */
export async function serveAndCall(cwd: string, command: string, args: string[], timeoutMs = 180_000): Promise<{ created: unknown; added: unknown; startSeconds: number }> {
  const t0 = Date.now();
  const child = spawn(command, args, { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid!, 'SIGTERM'); // the group: npx/pnpm exec and the server under it
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stateflow serve did not listen within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
      const check = () => {
        const m = /listening url=(http:\/\/\S+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`stateflow serve exited (${code}) before listening:\n${output}`));
      });
    });
    const startSeconds = (Date.now() - t0) / 1000;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const created = await post('/Counter', { args: ['clicks'] });
    const added = await post('/Counter/clicks/add', { args: [5] });
    return { created, added, startSeconds };
  } finally {
    await stop();
  }
}
