import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../src/request-id.js';

describe('uuidv7', () => {
  it('is a version 7, variant 10 UUID whose first 48 bits are the time in ms', () => {
    const at = Date.UTC(2026, 11, 6, 9, 0, 0, 123);
    const id = uuidv7(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('differs per call at the same millisecond', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => uuidv7(1)));
    expect(ids.size).toBe(1000);
  });
});
