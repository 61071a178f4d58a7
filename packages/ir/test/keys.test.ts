import { describe, expect, it } from 'vitest';
import { MAX_KEY_BYTES, checkKey } from '../src/index.js';

describe('checkKey', () => {
  it('accepts keys up to MAX_KEY_BYTES bytes of UTF-8', () => {
    expect(checkKey('ann')).toBeUndefined();
    expect(checkKey('k'.repeat(MAX_KEY_BYTES))).toBeUndefined();
    expect(checkKey('é'.repeat(MAX_KEY_BYTES / 2))).toBeUndefined(); // 2 bytes each
  });

  it('explains a key that is too long, counting bytes, not characters', () => {
    expect(checkKey('k'.repeat(MAX_KEY_BYTES + 1))).toMatch(/is 1001 bytes long; instance keys are at most 1000 bytes/);
    expect(checkKey('é'.repeat(MAX_KEY_BYTES / 2 + 1))).toMatch(/is 1002 bytes long/);
  });
});

describe('checkKey and URLs', () => {
  it.each(['', '.', '..'])('refuses the key %j, which no URL path can address', (key) => {
    expect(checkKey(key)).toBe(
      `the key '${key}' cannot be used: instance keys must be addressable in a URL path, which rules out the empty key, '.' and '..'`,
    );
  });

  it.each(['...', '.a', 'a/b', '100%', '%2E', ' ', '?#', 'é', '😀'])('accepts the awkward but addressable key %j', (key) => {
    expect(checkKey(key)).toBeUndefined();
    // Percent-encoded as one path segment, the key comes back unchanged.
    const url = new URL(`http://h/Item/${encodeURIComponent(key)}/m`);
    expect(decodeURIComponent(url.pathname.split('/')[2]!)).toBe(key);
  });

  it('refuses a key that is not Unicode text', () => {
    expect(checkKey('a😀b')).toBeUndefined(); // a surrogate pair is one character
    expect(checkKey(`a${String.fromCharCode(0xd800)}b`)).toMatch(/not valid Unicode/);
  });
});
