import { describe, expect, it } from 'vitest';
import { MAX_KEY_BYTES, checkKey } from '../src/index.js';

describe('checkKey', () => {
  it('accepts keys up to MAX_KEY_BYTES bytes of UTF-8', () => {
    expect(checkKey('')).toBeUndefined();
    expect(checkKey('ann')).toBeUndefined();
    expect(checkKey('k'.repeat(MAX_KEY_BYTES))).toBeUndefined();
    expect(checkKey('é'.repeat(MAX_KEY_BYTES / 2))).toBeUndefined(); // 2 bytes each
  });

  it('explains a key that is too long, counting bytes, not characters', () => {
    expect(checkKey('k'.repeat(MAX_KEY_BYTES + 1))).toMatch(/is 1001 bytes long; instance keys are at most 1000 bytes/);
    expect(checkKey('é'.repeat(MAX_KEY_BYTES / 2 + 1))).toMatch(/is 1002 bytes long/);
  });
});
