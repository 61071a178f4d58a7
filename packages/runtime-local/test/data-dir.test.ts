import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open } from 'lmdb';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirError, DataDirLockedError, LmdbStateStore, LocalRuntime } from '../src/index.js';
import { JsHost, counterEntity, counterProgram } from './support/js-host.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];
function tempDir(prefix = 'sf-dir-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const distIndex = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** A separate process that opens the store in `path` and holds it until killed. */
async function holdInChild(path: string): Promise<ChildProcess> {
  const script = `import(${JSON.stringify(distIndex)}).then((m) => { m.LmdbStateStore.open({ path: ${JSON.stringify(path)}, command: 'test holder' }).describeOwner({ url: 'http://127.0.0.1:4321' }); console.log('ready'); setInterval(() => {}, 1000); });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.on('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return child;
}

function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('data directory names', () => {
  it.each(['tmp.Xy12', 'data.v1', join('.local', 'x.y'), 'plain', 'with space.d'])('opens, writes and reopens a data dir named %s', async (name) => {
    const path = join(tempDir(), name);
    const store = LmdbStateStore.open({ path });
    await store.commit({ writes: [{ address: { entity: 'Counter', key: 'a' }, state: { total: 1 } }], consumed: [], produced: [], outcomes: [] });
    await store.close();
    const again = LmdbStateStore.open({ path });
    expect(again.get({ entity: 'Counter', key: 'a' })).toEqual({ total: 1 });
    await again.close();
  });

  it('opens a directory made by mktemp -d (a dot in its name) for a runtime', async () => {
    const dataDir = tempDir('tmp.');
    const runtime = await LocalRuntime.start(counterProgram, { host: new JsHost({ Counter: counterEntity }), dataDir });
    expect(await runtime.create('Counter', ['a'])).toEqual({ ok: { $entity: 'Counter', $key: 'a' } });
    await runtime.stop();
  });
});

describe('store errors at start-up', () => {
  it('says that a file given as the data dir is not a directory', () => {
    const file = join(tempDir(), 'state.db');
    writeFileSync(file, 'not a directory');
    const err = errorOf(() => LmdbStateStore.open({ path: file }));
    expect(err).toBeInstanceOf(DataDirError);
    expect(err.message).toBe(`the data directory ${file} (or a folder above it) is a file, not a directory; pass a directory to --data-dir`);
    const below = errorOf(() => LmdbStateStore.open({ path: join(file, 'inner') }));
    expect(below).toBeInstanceOf(DataDirError);
    expect(below.message).toMatch(/is a file, not a directory/);
  });

  it('says that a damaged store is damaged, and what to do', () => {
    const path = tempDir();
    writeFileSync(join(path, 'data.mdb'), Buffer.alloc(64 * 1024, 7));
    const err = errorOf(() => LmdbStateStore.open({ path }));
    expect(err).toBeInstanceOf(DataDirError);
    expect(err.message).toMatch(new RegExp(`^the data directory ${path} holds a damaged store or files that are not a StateFlow store \\(.+\\); restore it from a backup, or move it away and start with an empty --data-dir$`));
    // The failed open left no lock behind.
    writeFileSync(join(path, 'data.mdb'), '');
    rmSync(join(path, 'data.mdb'));
    LmdbStateStore.open({ path }).close();
  });

  it('refuses a store of a newer format version, naming both versions', async () => {
    const path = tempDir();
    const root = open({ path, noSubdir: false });
    await root.openDB<unknown, string>({ name: 'meta' }).put('formatVersion', 9);
    await root.close();
    const err = errorOf(() => LmdbStateStore.open({ path }));
    expect(err).toBeInstanceOf(DataDirError);
    expect(err.message).toBe(`the data directory ${path} has store format version 9, and this StateFlow reads versions 1 and 2; run it with a newer StateFlow, or pass a new --data-dir`);
  });

  it('says that a data dir it may not write is not writable', (ctx) => {
    const parent = tempDir();
    const message = /^DataDirError: cannot write to the data directory .* \(permission denied\); make it writable by this user or pass another --data-dir$/;
    for (const path of [join(parent, 'locked', 'data'), join(parent, 'locked')]) {
      mkdirSync(join(parent, 'locked'), { recursive: true, mode: 0o755 });
      if (process.getuid?.() === 0) {
        // Root may write anywhere: try as the unprivileged user `nobody`.
        const script = `import(${JSON.stringify(distIndex)}).then((m) => { try { m.LmdbStateStore.open({ path: ${JSON.stringify(path)} }); } catch (e) { console.log(e.name + ': ' + e.message); } });`;
        const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
        // A checkout that `nobody` cannot read (e.g. under /root) leaves nothing to check.
        if (run.stdout === '' && /EACCES|permission denied|Cannot find module/i.test(run.stderr)) return ctx.skip();
        expect(run.stdout.trim()).toMatch(message);
      } else {
        chmodSync(join(parent, 'locked'), 0o500);
        const err = errorOf(() => LmdbStateStore.open({ path }));
        expect(`${err.name}: ${err.message}`).toMatch(message);
      }
    }
  });
});

describe('format version 1 stores', () => {
  it('migrates states, queued events and outcomes written by version 1', async () => {
    const path = tempDir();
    // The layout version 1 wrote: lmdb-js's own key encoding, tables without a suffix.
    const root = open({ path, noSubdir: false, maxDbs: 8 });
    const at = Date.now();
    await root.openDB<unknown, string>({ name: 'meta' }).put('formatVersion', 1);
    await root.openDB({ name: 'state' }).put(['Counter', 'a'], { total: 3 });
    await root.openDB({ name: 'state' }).put(['Counter', 'b\u0000c'], { total: 4 });
    await root.openDB({ name: 'state' }).put(['Other', 'a'], { n: 1 });
    const event = { kind: 'Invoke', requestId: 'key:r1', seq: 2, stack: [], replyTo: { channel: 'local', id: 'x' }, target: { entity: 'Counter', key: 'a' }, method: 'add', args: [1], kwargs: {} };
    await root.openDB({ name: 'queue' }).put(['key:r1', 2], { o: 0, e: event });
    await root.openDB({ name: 'outcomes' }).put('key:r0', { result: { ok: 5 }, at });
    await root.openDB({ name: 'outcomeLog' }).put([at, 'key:r0'], true);
    await root.close();

    const store = LmdbStateStore.open({ path });
    expect(store.get({ entity: 'Counter', key: 'a' })).toEqual({ total: 3 });
    expect(store.get({ entity: 'Counter', key: 'b\u0000c' })).toEqual({ total: 4 });
    expect(store.keys('Counter').sort()).toEqual(['a', 'b\u0000c']);
    expect(store.keys('Other')).toEqual(['a']);
    expect(store.pendingEvents()).toEqual([event]);
    expect(store.getOutcome('key:r0')).toEqual({ requestId: 'key:r0', result: { ok: 5 }, at });
    await store.commit({ writes: [], consumed: [{ requestId: 'key:r1', seq: 2 }], produced: [], outcomes: [] });
    await store.close();

    const again = LmdbStateStore.open({ path });
    expect(again.pendingEvents()).toEqual([]);
    expect(again.get({ entity: 'Counter', key: 'a' })).toEqual({ total: 3 });
    await again.close();
    const raw = open({ path, noSubdir: false, maxDbs: 12 });
    expect(raw.openDB<unknown, string>({ name: 'meta' }).get('formatVersion')).toBe(2);
    expect(raw.openDB({ name: 'state' }).getCount()).toBe(0); // the old table is emptied
    await raw.close();
  });
});

describe('data directory lock', () => {
  it('refuses a second store on the same directory in one process, and frees it on close', async () => {
    const path = tempDir();
    const first = LmdbStateStore.open({ path });
    const err = errorOf(() => LmdbStateStore.open({ path }));
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect(err.message).toBe(`the data directory ${path} is already open in this process; open it once and share the store`);
    await expect(LocalRuntime.start(counterProgram, { host: new JsHost({ Counter: counterEntity }), dataDir: path })).rejects.toBeInstanceOf(DataDirLockedError);
    await first.close();
    const second = LmdbStateStore.open({ path });
    await second.close();
  });

  it('refuses a directory held by another process, naming its pid and URL, until that process is killed with SIGKILL', async () => {
    const path = tempDir();
    const holder = await holdInChild(path);
    const err = errorOf(() => LmdbStateStore.open({ path }));
    expect(err).toBeInstanceOf(DataDirLockedError);
    expect((err as DataDirLockedError).holder).toMatchObject({ pid: holder.pid, hostname: hostname(), url: 'http://127.0.0.1:4321', command: 'test holder' });
    expect(err.message).toMatch(
      new RegExp(`^the data directory ${path} is in use by test holder \\(pid ${holder.pid}, serving http://127\\.0\\.0\\.1:4321, since [0-9T:.Z-]+\\); stop it first, or use another --data-dir$`),
    );
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    // The killed process left its lock file: a dead owner does not hold it.
    expect(JSON.parse(readFileSync(join(path, 'stateflow.lock'), 'utf8'))).toMatchObject({ pid: holder.pid });
    const store = LmdbStateStore.open({ path });
    expect(JSON.parse(readFileSync(join(path, 'stateflow.lock'), 'utf8'))).toMatchObject({ pid: process.pid });
    await store.close();
  });

  it('takes over a lock whose pid no longer runs or was reused by another process', async () => {
    const path = tempDir();
    const lockFile = join(path, 'stateflow.lock');
    writeFileSync(lockFile, JSON.stringify({ pid: 2 ** 22 + 12345, hostname: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    await LmdbStateStore.open({ path }).close();
    // A live pid (this test's parent) whose start time differs from the one recorded: reused.
    writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, hostname: hostname(), since: '2026-01-01T00:00:00.000Z', procStart: '1' }));
    await LmdbStateStore.open({ path }).close();
  });

  it('takes over a lock file that holds no owner (its writer died before writing it)', async () => {
    const path = tempDir();
    writeFileSync(join(path, 'stateflow.lock'), '');
    await LmdbStateStore.open({ path }).close();
  });

  it('lets exactly one of several processes racing for a stale lock win', async () => {
    const path = tempDir();
    writeFileSync(join(path, 'stateflow.lock'), JSON.stringify({ pid: 2 ** 22 + 54321, hostname: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    // The winner holds the lock until it is killed, however late the others start.
    const script = `import(${JSON.stringify(distIndex)}).then((m) => { try { m.LmdbStateStore.open({ path: ${JSON.stringify(path)} }); console.log('won'); setInterval(() => {}, 1000); } catch (e) { console.log(e.name); } });`;
    const runs = Array.from({ length: 6 }, () => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      return new Promise<string>((resolve) => child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
    });
    const outcomes = await Promise.all(runs);
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'DataDirLockedError')).toHaveLength(5);
  });

  it('honours a lock written on another host, saying how to clear it', () => {
    const path = tempDir();
    const lockFile = join(path, 'stateflow.lock');
    writeFileSync(lockFile, JSON.stringify({ pid: 42, hostname: 'elsewhere', since: '2026-01-01T00:00:00.000Z', command: 'stateflow serve', url: 'http://10.0.0.5:8080' }));
    const err = errorOf(() => LmdbStateStore.open({ path }));
    expect(err.message).toBe(
      `the data directory ${path} is in use by stateflow serve (pid 42 on host elsewhere, serving http://10.0.0.5:8080, since 2026-01-01T00:00:00.000Z); stop it first; if no StateFlow runs there any more, delete ${lockFile}`,
    );
  });
});
