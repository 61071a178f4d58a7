import { describe, expect, it } from 'vitest';
import { bindArguments, type ParamSpec } from '../src/index.js';

const p = (name: string, mode: ParamSpec['mode'] = 'positional-or-keyword'): ParamSpec => ({ name, mode, type: { kind: 'Any' } });

describe('bindArguments', () => {
  it('sends positional values up to the first one left out, later ones by name', () => {
    expect(bindArguments([p('a'), p('b'), p('c')], [1, undefined, 3])).toEqual({ args: [1], kwargs: { c: 3 } });
    expect(bindArguments([p('a'), p('b')], [1, undefined])).toEqual({ args: [1], kwargs: {} });
  });

  it('appends *args and merges keyword-only and **kwargs objects', () => {
    const params = [p('a'), p('rest', 'var-positional'), p('k', 'keyword-only'), p('extra', 'var-keyword')];
    expect(bindArguments(params, [1, [2, 3], { k: 4 }, { z: 5 }])).toEqual({ args: [1, 2, 3], kwargs: { k: 4, z: 5 } });
  });

  it('refuses a gap before *args', () => {
    expect(() => bindArguments([p('a'), p('b'), p('rest', 'var-positional')], [1, undefined, [3]])).toThrow(/before \*args|give every/);
  });
});
