import { describe, expect, it } from 'vitest';
import { gcFlagsToSet } from '../src/gc-tuning.js';

describe('gcFlagsToSet', () => {
  it('sets both flags when the process was started without them', () => {
    expect(gcFlagsToSet(['--enable-source-maps', ''])).toEqual(['--no-allocation-site-pretenuring', '--heap-growing-percent=400']);
  });

  it('leaves a flag the user gave alone, in any spelling', () => {
    expect(gcFlagsToSet(['--heap_growing_percent=50'])).toEqual(['--no-allocation-site-pretenuring']);
    expect(gcFlagsToSet(['--allocation-site-pretenuring', '--heap-growing-percent=100'])).toEqual([]);
  });
});
