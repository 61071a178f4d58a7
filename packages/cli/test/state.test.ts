import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityState, Program } from '@stateflow/ir';
import { createPythonHost } from '@stateflow/runtime-local';
import { LmdbStateStore, LocalRuntime } from '@stateflow/runtime-local';
import { cli, hasStackTrace } from './run-cli.js';

// apache-arrow as installed for runtime-local: the test reads the exported file with it directly.
const arrowPath = createRequire(createRequire(import.meta.url).resolve('@stateflow/runtime-local')).resolve('apache-arrow');
const { tableFromIPC } = (await import(arrowPath)) as typeof import('apache-arrow');

const tmp = mkdtempSync(join(tmpdir(), 'stateflow-state-'));
const SHOP = 'examples/shop/app.py';
const SHOP_IR = JSON.parse((await cli(['compile', SHOP])).stdout) as Program;

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function entries(dataDir: string, entity: string): Promise<[string, EntityState][]> {
  const store = LmdbStateStore.open({ path: dataDir });
  try {
    return [...store.entries(entity)];
  } finally {
    await store.close();
  }
}

describe('stateflow state export / import', () => {
  const source = join(tmp, 'source');

  beforeAll(async () => {
    // A runtime on a durable store, then stopped: what `serve --data-dir` leaves behind.
    const store = LmdbStateStore.open({ path: source });
    const host = await createPythonHost({ kind: 'subprocess' });
    const runtime = await LocalRuntime.start(SHOP_IR, { host, closeHostOnStop: true, store });
    for (const [name, price] of [['coke', 2], ['pepsi', 3], ['fanta', 5]] as const) {
      expect(await runtime.create('Item', [name, price])).toEqual({ ok: { $entity: 'Item', $key: name } });
    }
    expect(await runtime.invoke('Item', 'coke', 'update_stock', [10])).toEqual({ ok: true });
    expect(await runtime.create('User', ['ann'])).toEqual({ ok: { $entity: 'User', $key: 'ann' } });
    await runtime.stop();
    await store.close();
  });

  it('exports to an Arrow file with typed columns, readable by apache-arrow', async () => {
    const out = join(tmp, 'items.arrow');
    const run = await cli(['state', 'export', SHOP, '--entity', 'Item', '--data-dir', source, '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`exported 3 Item instances to ${out} (Arrow IPC)\n`);
    expect(run.status).toBe(0);
    const table = tableFromIPC(readFileSync(out));
    expect(table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['__key__: Utf8', 'item_name: Utf8', 'stock: Int64', 'price: Int64']);
    const rows = Object.fromEntries(table.toArray().map((r) => [r.__key__, [r.item_name, r.stock, r.price]]));
    expect(rows).toEqual({ coke: ['coke', 10n, 2n], pepsi: ['pepsi', 0n, 3n], fanta: ['fanta', 0n, 5n] });
  });

  it('round-trips export -> import into a new data dir, and the runtime uses the imported state', async () => {
    for (const ext of ['arrow', 'parquet']) {
      const file = join(tmp, `round.${ext}`);
      const target = join(tmp, `target-${ext}`);
      expect((await cli(['state', 'export', SHOP, '--entity', 'Item', '--data-dir', source, '--out', file])).status).toBe(0);
      const run = await cli(['state', 'import', SHOP, '--entity', 'Item', '--data-dir', target, '--in', file]);
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe(`imported 3 Item instances from ${file} into ${target} (0 existed before)\n`);
      expect(await entries(target, 'Item')).toEqual(await entries(source, 'Item'));
    }
    const store = LmdbStateStore.open({ path: join(tmp, 'target-arrow') });
    const runtime = await LocalRuntime.start(SHOP_IR, { host: await createPythonHost({ kind: 'subprocess' }), closeHostOnStop: true, store });
    expect(await runtime.invoke('Item', 'coke', 'update_stock', [-4])).toEqual({ ok: true });
    expect(runtime.getState('Item', 'coke')).toEqual({ item_name: 'coke', stock: 6, price: 2 });
    await runtime.stop();
    await store.close();
  });

  it('imports CSV, merging by default and replacing with --replace', async () => {
    const target = join(tmp, 'csv-target');
    const csv = join(tmp, 'items.csv');
    writeFileSync(csv, '__key__,item_name,stock,price\nwater,water,7,1\n"cola, light","cola, light",1,4\n');
    expect((await cli(['state', 'import', SHOP, '--entity', 'Item', '--data-dir', target, '--in', csv])).status).toBe(0);
    const arrow = join(tmp, 'items.arrow');
    const merged = await cli(['state', 'import', SHOP, '--entity', 'Item', '--data-dir', target, '--in', arrow]);
    expect(merged.stdout).toContain('imported 3 Item instances');
    expect((await entries(target, 'Item')).map(([k]) => k).sort()).toEqual(['coke', 'cola, light', 'fanta', 'pepsi', 'water']);
    const replaced = await cli(['state', 'import', SHOP, '--entity', 'Item', '--data-dir', target, '--in', csv, '--replace']);
    expect(replaced.stdout).toBe(`imported 2 Item instances from ${csv} into ${target} (replaced 5 existing)\n`);
    expect(await entries(target, 'Item')).toEqual([
      ['cola, light', { item_name: 'cola, light', stock: 1, price: 4 }],
      ['water', { item_name: 'water', stock: 7, price: 1 }],
    ]);
  });

  it('reports a CSV type error by row and column, without a stack trace, and imports nothing', async () => {
    const target = join(tmp, 'bad-target');
    const csv = join(tmp, 'bad.csv');
    writeFileSync(csv, '__key__,item_name,stock,price\nwater,water,7,1\ntea,tea,seven,2\n');
    const run = await cli(['state', 'import', SHOP, '--entity', 'Item', '--data-dir', target, '--in', csv]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`stateflow state import: ${csv} row 2 (line 3), column 'stock': 'seven' is not an integer (the field is int)\n`);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(run.stdout).toBe('');
  });

  it('explains usage mistakes', async () => {
    const cases: [string[], RegExp, number][] = [
      [['state', 'export', SHOP, '--entity', 'Nope', '--data-dir', source, '--out', join(tmp, 'x.arrow')], /no entity class 'Nope' in the program \(entities: Item, User\)/, 2],
      [['state', 'export', SHOP, '--entity', 'Item', '--data-dir', source], /missing --out/, 2],
      [['state', 'export', SHOP, '--entity', 'Item', '--data-dir', source, '--out', 'x.txt'], /cannot tell the format of 'x.txt'; name it .arrow or .parquet/, 2],
      [['state', 'export', SHOP, '--entity', 'Item', '--data-dir', join(tmp, 'nowhere'), '--out', join(tmp, 'x.arrow')], /no data directory at .*nowhere/, 1],
      [['state', 'import', SHOP, '--entity', 'Item', '--data-dir', source, '--in', join(tmp, 'missing.csv')], /ENOENT|no such file/, 1],
      [['state', 'frobnicate'], /unknown subcommand 'frobnicate'/, 2],
    ];
    for (const [args, message, status] of cases) {
      const run = await cli(args);
      expect(run.stderr).toMatch(message);
      expect(hasStackTrace(run.stderr)).toBe(false);
      expect(run.status).toBe(status);
    }
    expect((await cli(['help', 'state'])).stdout).toContain('stateflow state export <app.py>');
  });
});
