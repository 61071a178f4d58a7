import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EncodedValue, Program, Result } from '@stateflow/ir';
import { createPythonHost, type HostRequest, type HostResult, type LocalRoute, type PythonHost, type PythonHostOptions, type RoutedResult } from '@stateflow/python-host';
import { LocalRuntime, startHttpServer, type HttpServer } from '../src/index.js';

// Hostile values and worker faults on the real Python hosts, through the HTTP API: the
// values are sent straight to the runtime (as a method's own value would reach the host),
// past the HTTP input checks, while other clients call over HTTP.

const require = createRequire(import.meta.url);
const shop = JSON.parse(readFileSync(require.resolve('@stateflow/ir/test-vectors/shop.ir.json'), 'utf8')) as Program;
const coke = { $entity: 'Item', $key: 'coke' };

function nested(depth: number): EncodedValue {
  let value: EncodedValue = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

/** Pids of this process's kernel processes (`python -m stateflow_kernel.serve`); each test file runs in its own process. */
function kernelPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('stateflow_kernel.serve');
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** A subprocess host and the pids of its kernel processes. */
async function subprocessHost(workers: number): Promise<{ host: PythonHost; pids: () => number[] }> {
  const before = new Set(kernelPids());
  const host = await createPythonHost({ kind: 'subprocess', workers, stderr: 'capture' });
  const mine = new Set(kernelPids().filter((pid) => !before.has(pid)));
  expect(mine.size).toBe(workers);
  // Replacements are new children too; the host's own are those not there before it.
  return { host, pids: () => kernelPids().filter((pid) => !before.has(pid)) };
}

/** An argument the runtime lets through (a string) that {@link WatchingHost} turns into a list nested that deep. */
const deepMarker = (depth: number) => `__nested_${depth}__`;

function depthOf(r: HostRequest): number | undefined {
  const arg = r.event.kind === 'Invoke' ? r.event.args[0] : undefined;
  const m = typeof arg === 'string' ? /^__nested_(\d+)__$/.exec(arg) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * Passes everything to a real host, first putting the deep values in (so they reach the
 * host past the runtime's own request checks, as a method's own value would), and counts
 * batches where a deep value met a later hop of another request.
 */
class WatchingHost implements PythonHost {
  mixed = 0;
  constructor(readonly inner: PythonHost) {}
  protected inject(batch: HostRequest[]): HostRequest[] {
    return batch.map((r) => {
      const depth = depthOf(r);
      return depth === undefined || r.event.kind !== 'Invoke' ? r : { ...r, event: { ...r.event, args: [nested(depth)] } };
    });
  }
  get kind() {
    return this.inner.kind;
  }
  get parallelism(): number {
    return this.inner.parallelism ?? 1;
  }
  get restarts(): number {
    return this.inner.restarts ?? 0;
  }
  unavailable() {
    return this.inner.unavailable?.();
  }
  load(...args: Parameters<PythonHost['load']>) {
    return this.inner.load(...args);
  }
  protected watch(batch: HostRequest[]) {
    if (batch.some((r) => depthOf(r) !== undefined) && batch.some((r) => r.event.seq > 0)) this.mixed++;
  }
  process(batch: HostRequest[]): Promise<HostResult[]> {
    this.watch(batch);
    return this.inner.process(this.inject(batch));
  }
  close() {
    return this.inner.close();
  }
}

/** The same, with local routing (subprocess). */
class WatchingRoutedHost extends WatchingHost {
  partitionOf(event: HostRequest['event']) {
    return this.inner.partitionOf!(event);
  }
  processOn(worker: number, batch: HostRequest[], route: LocalRoute): Promise<RoutedResult> {
    this.watch(batch);
    return this.inner.processOn!(worker, this.inject(batch), route);
  }
}

let runtime: LocalRuntime | undefined;
let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  await runtime?.stop();
  server = undefined;
  runtime = undefined;
});

async function serve(host: PythonHost, dataDir?: string) {
  runtime = await LocalRuntime.start(shop, { host, closeHostOnStop: true, ...(dataDir ? { dataDir } : {}) });
  server = await startHttpServer(runtime, { port: 0 });
  return { runtime, url: server.url };
}

async function post(url: string, body: unknown): Promise<{ status: number; body: { result?: unknown; error?: { type: string; message: string } } }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { result?: unknown } };
}

const USERS = Array.from({ length: 8 }, (_, i) => `buyer${i}`);
const BUYS_EACH = 3;

async function setUpShop(rt: LocalRuntime) {
  expect(await rt.create('Item', ['coke', 1])).toEqual({ ok: coke });
  await rt.invoke('Item', 'coke', 'update_stock', [1000]);
  for (const u of [...USERS, 'victim']) {
    await rt.create('User', [u]);
    await rt.invoke('User', u, 'update_balance', [99]);
  }
}

/**
 * Every buyer buys BUYS_EACH cokes over HTTP while values 1,000 and 6,000 deep keep
 * reaching the host (on the item itself and on another user); returns the deep results.
 */
async function buyUnderFire(rt: LocalRuntime, url: string): Promise<Result[]> {
  let buying = true;
  const deep: Promise<Result>[] = [];
  const fire = (async () => {
    for (let i = 0; buying && i < 40; i++) {
      const value = deepMarker(i % 2 === 0 ? 1000 : 6000);
      deep.push(rt.invoke('Item', 'coke', 'update_stock', [value]), rt.invoke('User', 'victim', 'update_balance', [value]));
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const buys = await Promise.all(
    USERS.flatMap((u) => Array.from({ length: BUYS_EACH }, () => post(`${url}/User/${u}/buy_item`, { args: [1, coke] }))),
  );
  buying = false;
  await fire;
  expect(buys.map((b) => b.status)).toEqual(buys.map(() => 200));
  expect(buys.map((b) => b.body)).toEqual(buys.map(() => ({ result: true })));
  return Promise.all(deep);
}

function expectShopConsistent(rt: LocalRuntime) {
  // Every buy took one coke and charged its buyer once: never one without the other.
  expect(rt.getState('Item', 'coke')?.['stock']).toBe(1000 - USERS.length * BUYS_EACH);
  for (const u of USERS) {
    expect(rt.getState('User', u)).toMatchObject({ balance: 100 - BUYS_EACH, items: Array.from({ length: BUYS_EACH }, () => coke) });
  }
  expect(rt.getState('User', 'victim')?.['balance']).toBe(100);
}

function expectDeepFailed(results: Result[]) {
  expect(results.length).toBeGreaterThan(0);
  for (const result of results) {
    // EncodingError where a worker cannot read or Node cannot encode the value; BadArguments
    // where the kernel reads it and refuses it (Pyodide, 1,000 deep).
    expect(['EncodingError', 'BadArguments']).toContain('error' in result && result.error.code);
    expect('error' in result && result.error.message).toMatch(/nest/);
  }
}

describe.each([
  ['pyodide (2 worker threads)', { kind: 'pyodide', workers: 2, timeoutMs: 10_000 }],
  ['subprocess (2 workers)', { kind: 'subprocess', workers: 2 }],
] as const)('values nested too deeply on the %s host', (_, options) => {
  it("fail alone: other clients' calls in the same batches succeed and no buy_item is half applied", async () => {
    const inner = await createPythonHost({ ...(options as PythonHostOptions), stderr: 'capture' });
    const host = inner.processOn ? new WatchingRoutedHost(inner) : new WatchingHost(inner);
    const { runtime: rt, url } = await serve(host);
    await setUpShop(rt);
    expectDeepFailed(await buyUnderFire(rt, url));
    expectShopConsistent(rt);
    // The deep values did share batches with later hops of the buyers' call chains.
    expect(host.mixed).toBeGreaterThan(0);
    expect(rt.health().ready).toBe(true);
    expect(host.restarts ?? 0).toBe(0);
  }, 180_000); // Pyodide worker threads take 15–25 s to start on a loaded 2-core machine.
});

describe.each([
  ['pyodide (2 worker threads)', { kind: 'pyodide', workers: 2, timeoutMs: 10_000 }, { kind: 'pyodide' }],
  ['subprocess (2 workers)', { kind: 'subprocess', workers: 2 }, { kind: 'subprocess' }],
] as const)('values nested too deeply with a durable store on the %s host', (_, options, restartOptions) => {
  it('never leave a call chain half applied, also after a restart, and nothing stays queued', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sf-worker-faults-'));
    const inner = await createPythonHost({ ...(options as PythonHostOptions), stderr: 'capture' });
    const first = await serve(inner.processOn ? new WatchingRoutedHost(inner) : new WatchingHost(inner), dataDir);
    await setUpShop(first.runtime);
    expectDeepFailed(await buyUnderFire(first.runtime, first.url));
    expectShopConsistent(first.runtime);
    await server!.close();
    await first.runtime.stop();
    const again = await serve(await createPythonHost({ ...restartOptions, stderr: 'capture' }), dataDir);
    expect(again.runtime.health()).toMatchObject({ ready: true, recovered: 0 });
    expectShopConsistent(again.runtime);
  }, 180_000);
});

describe('a kernel process killed with SIGKILL (subprocess)', () => {
  it('is replaced under load: every HTTP call is answered, /health is ready again, later calls succeed', async () => {
    const { host, pids } = await subprocessHost(2);
    const { runtime: rt, url } = await serve(host);
    await setUpShop(rt);
    const [victim] = pids();
    const buys = USERS.flatMap((u) => Array.from({ length: BUYS_EACH }, () => post(`${url}/User/${u}/buy_item`, { args: [1, coke] })));
    await new Promise((r) => setTimeout(r, 5));
    process.kill(victim!, 'SIGKILL');
    const answers = await Promise.all(buys);
    expect(answers.map((a) => a.body)).toEqual(answers.map(() => ({ result: true })));
    expectShopConsistent(rt);
    const end = Date.now() + 20_000;
    while (host.restarts !== 1 || !rt.health().ready) {
      if (Date.now() > end) throw new Error('the killed process was not replaced');
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(pids()).not.toContain(victim);
    expect(pids()).toHaveLength(2);
    expect(await post(`${url}/User/buyer0/buy_item`, { args: [1, coke] })).toEqual({ status: 200, body: { result: true } });
  });

  it('/health answers 503 while the only worker is down, then 200', async () => {
    const { host, pids } = await subprocessHost(1);
    const { runtime: rt, url } = await serve(host);
    await setUpShop(rt);
    process.kill(pids()[0]!, 'SIGKILL');
    let down: { status: number; body: { ready: boolean; reason?: string } } | undefined;
    const end = Date.now() + 20_000;
    while (host.restarts !== 1) {
      if (Date.now() > end) throw new Error('the killed process was not replaced');
      const res = await fetch(`${url}/health`);
      const health = { status: res.status, body: (await res.json()) as { ready: boolean; reason?: string } };
      if (health.status !== 200) down ??= health;
    }
    expect(down).toMatchObject({ status: 503, body: { ready: false } });
    expect(down?.body.reason).toMatch(/^no Python worker is running \(being restarted after: .*SIGKILL/);
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    expect(await post(`${url}/User/buyer0/buy_item`, { args: [1, coke] })).toEqual({ status: 200, body: { result: true } });
  });
});
