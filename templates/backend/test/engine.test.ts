import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Program } from '@stateflow/ir';
import { KernelError, TemplateEngine } from '../src/index.js';
import { KernelProcess } from '../src/kernel-process.js';

const shop = createRequire(import.meta.url)('@stateflow/ir/test-vectors/shop.ir.json') as Program;
const coke = { $entity: 'Item', $key: 'coke' };

/** The shop program with its Python source edited. */
function shopWith(edit: (source: string) => string): Program {
  const program = structuredClone(shop);
  program.module.source = edit(program.module.source);
  return program;
}

let engine: TemplateEngine | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await engine?.stop();
  engine = undefined;
});

describe('TemplateEngine on the shop example', () => {
  it('creates instances, runs simple and split methods, and keeps their state', async () => {
    engine = await TemplateEngine.start(shop);
    expect(await engine.create('Item', ['coke', 10])).toEqual({ ok: coke });
    expect(await engine.invoke('Item', 'coke', 'update_stock', [5])).toEqual({ ok: true });
    expect(await engine.create('User', ['alice'])).toEqual({ ok: { $entity: 'User', $key: 'alice' } });
    expect(await engine.invoke('User', 'alice', 'update_balance', [100])).toEqual({ ok: null });
    // buy_item reads coke.price, then calls coke.update_stock: five hops between two instances.
    expect(await engine.invoke('User', 'alice', 'buy_item', [2, coke])).toEqual({ ok: true });
    expect(engine.getState('User', 'alice')).toEqual({ username: 'alice', balance: 81, items: [coke] });
    expect(engine.getState('Item', 'coke')).toEqual({ item_name: 'coke', stock: 3, price: 10 });
    expect(engine.getState('Item', 'pepsi')).toBeUndefined();
  });

  it('answers user exceptions (no code) and StateFlow errors (with code) as results', async () => {
    engine = await TemplateEngine.start(shop);
    await engine.create('Item', ['coke', 1]);
    await engine.create('User', ['alice']);
    await engine.invoke('User', 'alice', 'update_balance', [100]);
    // NotEnoughStock is raised in coke and passed frame by frame back to the client.
    expect(await engine.invoke('User', 'alice', 'buy_item', [2, coke])).toEqual({
      error: { type: 'NotEnoughStock', message: 'only 0 of coke left' },
    });
    expect(engine.getState('Item', 'coke')).toEqual({ item_name: 'coke', stock: 0, price: 1 });
    expect(await engine.create('Item', ['coke', 2])).toMatchObject({ error: { code: 'EntityExists' } });
    expect(await engine.invoke('Item', 'nope', 'update_stock', [1])).toMatchObject({ error: { code: 'EntityNotFound' } });
    expect(await engine.invoke('Item', 'coke', 'fly', [])).toMatchObject({ error: { code: 'UnknownMethod' } });
    expect(await engine.invoke('Shop', 'x', 'open', [])).toMatchObject({ error: { code: 'UnknownEntity' } });
    expect(await engine.invoke('Item', 'coke', 'update_stock', [])).toMatchObject({ error: { code: 'BadArguments' } });
  });

  it('refuses malformed argument values with BadArguments before they reach a batch', async () => {
    engine = await TemplateEngine.start(shop);
    await engine.create('Item', ['coke', 1]);
    // The kernel refuses these too (defence in depth); the gateway must not let them reach it.
    const batches = vi.spyOn(KernelProcess.prototype, 'process');
    const refused = async (result: Promise<unknown>, place: string) =>
      expect(await result).toMatchObject({ error: { type: 'BadArguments', code: 'BadArguments', message: expect.stringContaining(place) } });
    await refused(engine.invoke('Item', 'coke', 'update_stock', [{ $int: 'x' }]), 'args[0]');
    await refused(engine.invoke('Item', 'coke', 'update_stock', [], { amount: { $nope: 1 } }), 'kwargs.amount');
    await refused(engine.invoke('Item', 'coke', 'update_stock', [{ $entity: 'Shop', $key: 'x' }]), 'args[0]');
    await refused(engine.create('Item', ['pepsi', { $bytes: '***' }]), 'args[1]');
    await refused(engine.invoke('Item', 'coke', 'update_stock', 'not a list' as never), 'args');
    await refused(engine.create('Item', ['\ud800', 1]), 'args[0]');
    expect(batches).not.toHaveBeenCalled();
    batches.mockRestore();
    expect(engine.getState('Item', 'coke')).toEqual({ item_name: 'coke', stock: 0, price: 1 });
    expect(engine.getState('Item', 'pepsi')).toBeUndefined();
    // Well-formed tagged values go through, decoded by the kernel.
    expect(await engine.invoke('Item', 'coke', 'update_stock', [{ $int: '2' }])).toEqual({ ok: true });
    expect(engine.getState('Item', 'coke')).toMatchObject({ stock: 2 });
  });

  it('runs concurrent requests on one instance one event at a time (no lost update)', async () => {
    engine = await TemplateEngine.start(shop);
    await engine.create('Item', ['coke', 1]);
    const e = engine;
    const results = await Promise.all(Array.from({ length: 20 }, () => e.invoke('Item', 'coke', 'update_stock', [1])));
    expect(results).toEqual(Array.from({ length: 20 }, () => ({ ok: true })));
    expect(engine.getState('Item', 'coke')).toMatchObject({ stock: 20 });
  });

  it('runs a request with a client request id once, however often it is sent', async () => {
    engine = await TemplateEngine.start(shop);
    await engine.create('Item', ['coke', 1]);
    const first = engine.invoke('Item', 'coke', 'update_stock', [5], {}, { requestId: 'topup-1' });
    const retry = engine.invoke('Item', 'coke', 'update_stock', [5], {}, { requestId: 'topup-1' });
    expect(await Promise.all([first, retry])).toEqual([{ ok: true }, { ok: true }]);
    expect(await engine.invoke('Item', 'coke', 'update_stock', [5], {}, { requestId: 'topup-1' })).toEqual({ ok: true });
    expect(engine.getState('Item', 'coke')).toMatchObject({ stock: 5 });
    await engine.invoke('Item', 'coke', 'update_stock', [5], {}, { requestId: 'topup-2' });
    expect(engine.getState('Item', 'coke')).toMatchObject({ stock: 10 });
  });

  it('fails a request whose call chain exceeds maxHops', async () => {
    engine = await TemplateEngine.start(shop, { config: { maxHops: 1 } });
    await engine.create('Item', ['coke', 1]);
    await engine.create('User', ['alice']);
    expect(await engine.invoke('User', 'alice', 'buy_item', [1, coke])).toEqual({
      error: { type: 'Internal', code: 'Internal', message: 'request exceeded 1 hops; is there unbounded recursion between entities?' },
    });
  });

  it('answers every request with an Internal error after stop()', async () => {
    engine = await TemplateEngine.start(shop);
    await engine.stop();
    expect(await engine.create('Item', ['coke', 1])).toEqual({ error: { type: 'Internal', code: 'Internal', message: 'the engine is stopped' } });
  });
});

describe('TemplateEngine failures of the kernel', () => {
  it('says how to fix a missing interpreter', async () => {
    await expect(TemplateEngine.start(shop, { python: '/nonexistent/python3' })).rejects.toThrow(
      /^cannot start the Python kernel: .*ENOENT.* \(install Python 3\.9\+ or set STATEFLOW_PYTHON to an interpreter\)$/,
    );
  });

  it('reports a program that does not load, with its Python error', async () => {
    const broken = shopWith((s) => `${s}\nraise RuntimeError("boom at import")\n`);
    const err = await TemplateEngine.start(broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect((err as Error).message).toMatch(/^the program does not load in the kernel: .*boom at import/);
  });

  it('fails the running request with an Internal error when the kernel process dies', async () => {
    engine = await TemplateEngine.start(shopWith((s) => s.replace('self.stock += amount', "__import__('os')._exit(3)")));
    await engine.create('Item', ['coke', 1]);
    const result = await engine.invoke('Item', 'coke', 'update_stock', [1]);
    expect(result).toMatchObject({ error: { type: 'Internal', code: 'Internal' } });
    expect((result as { error: { message: string } }).error.message).toMatch(/^the Python kernel failed: the Python kernel process exited \(status 3\)/);
  });
});
