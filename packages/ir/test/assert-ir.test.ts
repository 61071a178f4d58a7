import { describe, expect, it } from 'vitest';
import { assertIr, formatDiagnostic } from '../dist/index.js';
import { loadFixture } from './support/fixtures.js';

describe('assertIr', () => {
  it('returns the program and no diagnostics for valid IR', () => {
    const { program, diagnostics } = assertIr(loadFixture('shop.ir.json'), '^0.2');
    expect(diagnostics).toEqual([]);
    expect(program?.entities.map((e) => e.name)).toEqual(['Item', 'User']);
  });

  it('returns SF4001 for an irVersion the backend does not accept', () => {
    const { program, diagnostics } = assertIr(loadFixture('shop.ir.json'), '^1');
    expect(program).toBeUndefined();
    expect(diagnostics).toMatchInlineSnapshot(`
      [
        {
          "code": "SF4001",
          "file": "app.py",
          "help": "this backend accepts IR versions matching ^1; recompile the program with a compiler that emits such a version, or use a backend release that accepts 0.2.1",
          "message": "unsupported irVersion '0.2.1' (this backend accepts ^1)",
          "name": "UnsupportedIrVersion",
          "severity": "error",
        },
      ]
    `);
  });

  it('returns SF4001 for an irVersion this package cannot read, even if the backend range allows it', () => {
    const ir = loadFixture('shop.ir.json');
    ir.irVersion = '0.9.0';
    const { diagnostics } = assertIr(ir, '^0.1 || ^0.9');
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['SF4001', "unsupported irVersion '0.9.0' (this backend accepts ^0.1 || ^0.2)"],
    ]);
  });

  it('returns one SF4002 per violation, naming the JSON path', () => {
    const ir = loadFixture('shop.ir.json');
    ir.entities[1].methods[1].body.blocks[1].terminator.resume = 'b7';
    ir.entities[0].fields[0].type = { kind: 'Money' };
    const { program, diagnostics } = assertIr(ir, '^0.2', { file: 'build/app.ir.json' });
    expect(program).toBeUndefined();
    // The schema violation hides the semantic one until it is fixed.
    expect(diagnostics.map((d) => d.code)).toEqual(['SF4002']);
    expect(diagnostics.map(formatDiagnostic)).toMatchInlineSnapshot(`
      [
        "build/app.ir.json: error SF4002: invalid IR at /entities/0/fields/0/type/kind: unknown kind "Money"; expected one of: Int, Float, Str, Bool, Bytes, NoneType, Any, List, Set, Dict, Tuple, Optional, Union, EntityRef
        help: the IR does not match the StateFlow IR schema; it was not produced by a matching compiler or was edited by hand",
      ]
    `);
    ir.entities[0].fields[0].type = { kind: 'Str' };
    const again = assertIr(ir, '^0.2');
    expect(again.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['SF4002', "invalid IR at /entities/1/methods/1/body/blocks/1/terminator/resume: block 'b7' is not a block of User.buy_item"],
    ]);
  });

  it('never throws for input that is not IR', () => {
    for (const value of [undefined, null, 'x', 3, [], { irVersion: 'soon' }, { irVersion: '0.1.0' }]) {
      const { program, diagnostics } = assertIr(value, '^0.1');
      expect(program).toBeUndefined();
      expect(diagnostics.length).toBeGreaterThan(0);
      expect(diagnostics.every((d) => d.code === 'SF4002' && d.file === '<ir>')).toBe(true);
    }
  });
});
