import { describe, expect, it } from 'vitest';
import { coalescing } from '../../src/transports/coalesce.js';

describe('coalescing writes (the Kafka transport\'s produce requests)', () => {
  it('writes the first item at once and what came meanwhile in one next batch, in order', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const write = coalescing<number>(async (batch) => {
      batches.push(batch);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
    });
    const first = write(1);
    const rest = [2, 3, 4].map((n) => write(n));
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('rejects every item of a failed batch, and goes on with the next', async () => {
    let calls = 0;
    const write = coalescing<string>(async (batch) => {
      calls++;
      if (batch.includes('bad')) throw new Error('broker down');
    });
    const results = await Promise.allSettled([write('bad'), write('a'), write('b')]);
    expect(results[0]!.status).toBe('rejected');
    expect(results.slice(1).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(calls).toBe(2);
  });

  it('caps a batch at maxBatch items', async () => {
    const sizes: number[] = [];
    let release!: () => void;
    const write = coalescing<number>(async (batch) => {
      sizes.push(batch.length);
      if (sizes.length === 1) await new Promise<void>((r) => (release = r));
    }, 2);
    const all = [1, 2, 3, 4, 5].map((n) => write(n));
    release();
    await Promise.all(all);
    expect(sizes).toEqual([1, 2, 2]);
  });
});
