import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkKey, MAX_KEY_BYTES } from '@stateflow/ir';
import { LmdbStateStore, LocalRuntime } from '../src/index.js';
import { JsHost, counterEntity, counterProgram } from './support/js-host.js';
import {
  decodeOutcomeLogKey,
  decodeQueueKey,
  decodeStateKey,
  decodeString,
  encodeString,
  entityRange,
  outcomeLogKey,
  queueKey,
  stateKey,
} from '../src/store-keys.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sf-keys-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Any JavaScript string: every UTF-16 code unit, lone surrogates included. */
const anyString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)), maxLength: 80 });
/** Strings that stress the encoding: NUL to U+0005, surrogates (lone and paired), U+FFFD, 'x'. */
const trickyString = fc.string({
  unit: fc.constantFrom('\u0000', '\u0001', '\u0003', '\u0004', '\u0005', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00', '\ufffd', 'x', 'é'),
  maxLength: 80,
});
const keyString = fc.oneof(anyString, trickyString);
const entityName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/);

/** Keys whose lengths sit around every boundary of the old encoding and of the limit. */
function boundaryKeys(): string[] {
  const keys: string[] = [];
  for (const length of [0, 1, 2, 15, 16, 17, 31, 32, 33, 39, 40, 41, 62, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 999, 1000]) {
    for (const unit of ['x', '\u0000', '\u0004', '\u0004\u0000', '\ud800', '\u00e9']) keys.push(unit.repeat(length).slice(0, Math.max(length, 0)));
  }
  keys.push('x'.repeat(40) + '\u0000'.repeat(23), 'x'.repeat(40) + '\u0004\u0000'.repeat(23)); // the reported collision
  keys.push('a\ud800', 'a\ufffd', 'a\udc00', '\ud800\udc00', '\ud800\ud800', '\udc00\ud800');
  // Exactly MAX_KEY_BYTES (1,000 bytes) in 1-, 2-, 3- and 4-byte characters, and lone surrogates.
  keys.push('é'.repeat(500), '\u20ac'.repeat(333) + 'x', '\u{1F600}'.repeat(250), '\ud800'.repeat(333) + 'x', '\u0000'.repeat(999) + '\u0004');
  return keys.filter((k) => checkKey(k) === undefined);
}

describe('store key encoding', () => {
  it('decodes every string back exactly, lone surrogates and control characters included', () => {
    fc.assert(fc.property(keyString, (s) => decodeString(encodeString(s)) === s), { numRuns: 2000 });
  });

  it('maps distinct keys to distinct store keys (property)', () => {
    fc.assert(
      fc.property(entityName, entityName, keyString, keyString, (e1, e2, k1, k2) => {
        const same = Buffer.compare(stateKey(e1, k1), stateKey(e2, k2)) === 0;
        return same === (e1 === e2 && k1 === k2);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(keyString, keyString, fc.nat(), fc.nat(), (r1, r2, s1, s2) => {
        expect(Buffer.compare(queueKey(r1, s1), queueKey(r2, s2)) === 0).toBe(r1 === r2 && s1 === s2);
        expect(Buffer.compare(outcomeLogKey(s1, r1), outcomeLogKey(s2, r2)) === 0).toBe(r1 === r2 && s1 === s2);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes every kind of store key back to what made it (property)', () => {
    fc.assert(
      fc.property(entityName, keyString, fc.nat(), (entity, key, n) => {
        expect(decodeStateKey(stateKey(entity, key))).toEqual({ entity, key });
        expect(decodeQueueKey(queueKey(key, n))).toEqual({ requestId: key, seq: n });
        expect(decodeOutcomeLogKey(outcomeLogKey(n + 1, key))).toEqual({ at: n + 1, requestId: key });
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the keys of one entity class inside its range and those of any other outside', () => {
    fc.assert(
      fc.property(entityName, entityName, keyString, (e1, e2, key) => {
        const { start, end } = entityRange(e1);
        const k = stateKey(e2, key);
        const inside = Buffer.compare(k, start) >= 0 && Buffer.compare(k, end) < 0;
        return inside === (e1 === e2);
      }),
      { numRuns: 3000 },
    );
  });

  it('sorts outcome-log keys by time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 52 }), fc.integer({ min: 1, max: 2 ** 52 }), anyString, anyString, (a, b, r1, r2) => {
        if (a === b) return true;
        return Buffer.compare(outcomeLogKey(a, r1), outcomeLogKey(b, r2)) < 0 === a < b;
      }),
    );
  });

  it('costs as many bytes as MAX_KEY_BYTES counts, so a 1,000-byte key fits LMDB', () => {
    // Lone surrogates never reach a store through a call (checkKey refuses keys that are not
    // valid Unicode), but the encoding still keeps them apart and within the limit.
    for (const key of ['é'.repeat(500), '\u{1F600}'.repeat(250), '\ud800'.repeat(333), 'x'.repeat(MAX_KEY_BYTES)]) {
      if (!key.startsWith('\ud800')) expect(checkKey(key)).toBeUndefined();
      expect(encodeString(key).length).toBe(Buffer.byteLength(key.replace(/[\ud800-\udfff]/gu, '\ufffd')));
      expect(encodeString(key).length).toBeLessThanOrEqual(MAX_KEY_BYTES);
    }
  });
});

describe('LmdbStateStore keys', () => {
  it('keeps keys around every boundary apart and lists each back exactly', async () => {
    const path = tempDir();
    const keys = [...new Set(boundaryKeys())];
    const store = LmdbStateStore.open({ path, cacheSize: 0 });
    await store.putMany(keys.map((key, i) => ({ address: { entity: 'Item', key }, state: { i } })));
    await store.putMany([{ address: { entity: 'Item2', key: 'x' }, state: { other: true } }]);
    await store.close();
    const again = LmdbStateStore.open({ path, cacheSize: 0 });
    keys.forEach((key, i) => expect(again.get({ entity: 'Item', key })).toEqual({ i }));
    expect(new Set(again.keys('Item'))).toEqual(new Set(keys));
    expect(again.keys('Item')).toHaveLength(keys.length);
    expect(again.keys('Item2')).toEqual(['x']);
    expect(again.get({ entity: 'Item', key: 'never' })).toBeUndefined();
    await again.close();
  });

  it('stores the two keys that collided in format version 1 as two instances', async () => {
    const path = tempDir();
    const nuls = 'x'.repeat(40) + '\u0000'.repeat(23);
    const escapes = 'x'.repeat(40) + '\u0004\u0000'.repeat(23);
    const store = LmdbStateStore.open({ path, cacheSize: 0 });
    await store.commit({ writes: [{ address: { entity: 'Item', key: nuls }, state: { n: 1 } }], consumed: [], produced: [], outcomes: [] });
    expect(store.get({ entity: 'Item', key: escapes })).toBeUndefined();
    await store.commit({ writes: [{ address: { entity: 'Item', key: escapes }, state: { n: 2 } }], consumed: [], produced: [], outcomes: [] });
    expect(store.get({ entity: 'Item', key: nuls })).toEqual({ n: 1 });
    expect(store.get({ entity: 'Item', key: escapes })).toEqual({ n: 2 });
    expect(store.keys('Item').sort()).toEqual([nuls, escapes].sort());
    await store.close();
  });

  it('keeps random keys apart in the database (property, round trip through LMDB)', async () => {
    const path = tempDir();
    const store = LmdbStateStore.open({ path, cacheSize: 0 });
    const keys = fc.sample(fc.uniqueArray(keyString, { minLength: 300, maxLength: 300 }), 1)[0]!;
    await store.putMany(keys.map((key, i) => ({ address: { entity: 'E', key }, state: { i } })));
    keys.forEach((key, i) => expect(store.get({ entity: 'E', key })).toEqual({ i }));
    expect(store.keys('E')).toHaveLength(keys.length);
    expect(new Set(store.keys('E'))).toEqual(new Set(keys));
    await store.close();
  });
});

describe('LocalRuntime on a durable store, with keys that collided in format version 1', () => {
  it('creates, updates and keeps apart instances whose keys differ only in NULs, escapes or U+FFFD; refuses lone surrogates', async () => {
    const dataDir = tempDir();
    const keys = ['x'.repeat(40) + '\u0000'.repeat(23), 'x'.repeat(40) + '\u0004\u0000'.repeat(23), 'a\ufffd', 'a', '\u0000', '\u0004'];
    const start = () => LocalRuntime.start(counterProgram, { host: new JsHost({ Counter: counterEntity }), dataDir });
    const runtime = await start();
    for (const key of keys) expect(await runtime.create('Counter', [key])).toEqual({ ok: { $entity: 'Counter', $key: key } });
    // A key that is not valid Unicode is refused before it reaches the store.
    for (const key of ['a\ud800', 'a\udc00']) expect(await runtime.create('Counter', [key])).toMatchObject({ error: { code: 'BadArguments' } });
    for (const [i, key] of keys.entries()) expect(await runtime.invoke('Counter', key, 'add', [i + 1])).toEqual({ ok: i + 1 });
    await runtime.stop();
    const again = await start();
    for (const [i, key] of keys.entries()) expect(again.getState('Counter', key)).toMatchObject({ total: i + 1 });
    expect(new Set(again.keys('Counter'))).toEqual(new Set(keys));
    await again.stop();
  });
});
