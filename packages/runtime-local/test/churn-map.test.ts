import { describe, expect, it } from 'vitest';
import { ChurnMap } from '../src/churn-map.js';

describe('ChurnMap', () => {
  it('behaves like a Map while keys come and go across many renewals', () => {
    const churn = new ChurnMap<string, number>();
    const plain = new Map<string, number>();
    // A sliding window of 300 live keys over 20,000 insertions renews the map many times.
    for (let i = 0; i < 20_000; i++) {
      churn.set(`k${i}`, i);
      plain.set(`k${i}`, i);
      if (i >= 300) {
        expect(churn.delete(`k${i - 300}`)).toBe(true);
        plain.delete(`k${i - 300}`);
      }
      if (i % 997 === 0) churn.set(`k${i}`, -i), plain.set(`k${i}`, -i); // an update, not an insertion
    }
    expect(churn.size).toBe(plain.size);
    expect([...churn.keys()]).toEqual([...plain.keys()]); // insertion order survives renewals
    expect([...churn.values()]).toEqual([...plain.values()]);
    expect([...churn]).toEqual([...plain.entries()]);
    expect(churn.get('k19999')).toBe(19_999);
    expect(churn.has('k0')).toBe(false);
    expect(churn.delete('k0')).toBe(false);
  });

  it('keeps a large map whole when it renews', () => {
    const churn = new ChurnMap<number, string>();
    for (let i = 0; i < 5_000; i++) churn.set(i, String(i));
    expect(churn.size).toBe(5_000);
    expect(churn.get(4_321)).toBe('4321');
    expect([...churn.keys()].slice(0, 3)).toEqual([0, 1, 2]);
  });

  it('clears', () => {
    const churn = new ChurnMap<string, true>();
    churn.set('a', true).set('b', true);
    churn.clear();
    expect(churn.size).toBe(0);
    expect(churn.has('a')).toBe(false);
    churn.set('c', true);
    expect([...churn.keys()]).toEqual(['c']);
  });
});
