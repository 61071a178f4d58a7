import { describe, expect, it } from 'vitest';
import { validateProgram } from '../../dist/index.js';
import { loadFixture } from '../support/fixtures.js';

/** The paths of the errors of validating a mutated copy of a fixture. */
function errorPaths(mutate: (p: any) => void, fixture = 'shop.ir.json'): string[] {
  const program = loadFixture(fixture);
  mutate(program);
  const result = validateProgram(program);
  return result.ok ? [] : result.errors.map((e) => e.path);
}

const BUY = '/entities/1/methods/1/body';

describe('validateProgram', () => {
  it('accepts the shop and bank fixtures', () => {
    for (const name of ['shop.ir.json', 'bank.ir.json']) {
      const result = validateProgram(loadFixture(name));
      expect(result.ok, name).toBe(true);
      if (result.ok) expect(result.program.kind).toBe('Program');
    }
  });

  it('rejects values that are not programs, without throwing', () => {
    for (const value of [null, 42, 'x', [], undefined]) {
      const result = validateProgram(value);
      expect(result.ok).toBe(false);
    }
    expect(validateProgram({})).toMatchInlineSnapshot(`
      {
        "errors": [
          {
            "message": "is required",
            "path": "/kind",
          },
          {
            "message": "is required",
            "path": "/irVersion",
          },
          {
            "message": "is required",
            "path": "/module",
          },
          {
            "message": "is required",
            "path": "/entities",
          },
        ],
        "ok": false,
      }
    `);
  });

  it('rejects an unknown terminator kind at its kind', () => {
    const program = loadFixture('shop.ir.json');
    program.entities[1].methods[1].body.blocks[0].terminator.kind = 'Yield';
    const result = validateProgram(program);
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          path: `${BUY}/blocks/0/terminator/kind`,
          message:
            'unknown kind "Yield"; expected one of: Return, Jump, Branch, Invoke, ReadAttr, InvokeSelf, Create',
        },
      ],
    });
  });

  it('rejects unknown kinds of bodies, type references and the program itself', () => {
    expect(errorPaths((p) => (p.entities[0].methods[0].body.kind = 'AsyncBody'))).toEqual([
      '/entities/0/methods/0/body/kind',
    ]);
    expect(errorPaths((p) => (p.entities[1].fields[2].type.item = { kind: 'Decimal' }))).toEqual([
      '/entities/1/fields/2/type/item/kind',
    ]);
    expect(errorPaths((p) => (p.kind = 'Library'))).toEqual(['/kind']);
  });

  it('reports a missing terminator field at the field path', () => {
    expect(errorPaths((p) => delete p.entities[1].methods[1].body.blocks[2 - 1].terminator.resume)).toEqual([
      `${BUY}/blocks/1/terminator/resume`,
    ]);
  });

  it("accepts 'synthetic' and spans as locations, nothing else", () => {
    expect(errorPaths((p) => (p.entities[0].loc = 'synthetic'))).toEqual([]);
    expect(errorPaths((p) => (p.entities[0].loc = 'generated'))).toEqual(['/entities/0/loc']);
    expect(errorPaths((p) => delete p.entities[0].loc.line)).toEqual(['/entities/0/loc/line']);
    expect(errorPaths((p) => (p.entities[0].loc.column = 0))).toEqual(['/entities/0/loc/column']);
  });

  it('rejects a malformed irVersion', () => {
    expect(errorPaths((p) => (p.irVersion = '0.1'))).toEqual(['/irVersion']);
    expect(errorPaths((p) => (p.irVersion = 1))).toEqual(['/irVersion']);
  });

  it('rejects an irVersion outside the supported range with one error', () => {
    const program = loadFixture('shop.ir.json');
    program.irVersion = '1.0.0';
    program.entities = 'whatever a later format has';
    expect(validateProgram(program)).toMatchInlineSnapshot(`
      {
        "errors": [
          {
            "message": "irVersion '1.0.0' is not supported; @stateflow/ir reads ^0.1 || ^0.2 (current 0.2.1)",
            "path": "/irVersion",
          },
        ],
        "ok": false,
      }
    `);
  });

  it('checks the error continuation of resuming terminators (IR 0.2)', () => {
    const program = loadFixture('bank.ir.json');
    const method = program.entities
      .flatMap((e: any) => e.methods)
      .find((m: any) => m.body.kind === 'SplitBody' && m.body.blocks.some((b: any) => 'resume' in b.terminator));
    const block = method.body.blocks.find((b: any) => 'resume' in b.terminator);
    const resume = method.body.blocks.find((b: any) => b.id === block.terminator.resume);
    resume.params = resume.params.filter((p: string) => p !== block.terminator.resultVar);
    block.terminator.onError = resume.id;
    block.terminator.errorVar = '__sf_e0';
    expect(validateProgram(program).ok).toBe(true);
    block.terminator.onError = 'nowhere';
    expect(validateProgram(program)).toMatchObject({ ok: false, errors: [{ message: expect.stringContaining("block 'nowhere'") }] });
    delete block.terminator.errorVar;
    block.terminator.onError = resume.id;
    expect(validateProgram(program)).toMatchObject({ ok: false, errors: [{ message: 'onError and errorVar go together: set both or neither' }] });
  });

  it('accepts a detached block ending in Return, Jump or Branch (IR 0.2.1)', () => {
    expect(errorPaths((p) => (p.entities[1].methods[1].body.blocks[2].detached = true))).toEqual([]);
  });

  it('rejects a detached block that ends in an interaction, saying what to do', () => {
    const program = loadFixture('shop.ir.json');
    program.entities[1].methods[1].body.blocks[1].detached = true;
    expect(validateProgram(program)).toEqual({
      ok: false,
      errors: [
        {
          path: `${BUY}/blocks/1/detached`,
          message:
            "block 'b1' of User.buy_item is detached but ends in Invoke; only a block ending in Return, Jump or Branch can run at another instance: drop `detached`",
        },
      ],
    });
  });

  it('accepts detached only as true', () => {
    expect(errorPaths((p) => (p.entities[1].methods[1].body.blocks[2].detached = false))).toEqual([
      `${BUY}/blocks/2/detached`,
    ]);
  });

  it('accepts unknown extra properties (later minor versions add optional fields)', () => {
    expect(errorPaths((p) => (p.entities[0].docs = 'An item for sale.'))).toEqual([]);
  });

  it('finds a terminator target that is not a block of the method', () => {
    const program = loadFixture('shop.ir.json');
    program.entities[1].methods[1].body.blocks[1].terminator.resume = 'b9';
    const result = validateProgram(program);
    expect(result).toEqual({
      ok: false,
      errors: [{ path: `${BUY}/blocks/1/terminator/resume`, message: "block 'b9' is not a block of User.buy_item" }],
    });
  });

  it('checks jump and branch targets and the split entry', () => {
    const bank = '/entities/0/methods/1/body';
    expect(errorPaths((p) => (p.entities[0].methods[1].body.blocks[3].terminator.target = 'nope'), 'bank.ir.json')).toEqual([
      `${bank}/blocks/3/terminator/target`,
    ]);
    expect(errorPaths((p) => (p.entities[0].methods[1].body.blocks[1].terminator.ifTrue = 'x'), 'bank.ir.json')).toEqual([
      `${bank}/blocks/1/terminator/ifTrue`,
    ]);
    expect(errorPaths((p) => (p.entities[0].methods[1].body.blocks[1].terminator.ifFalse = 'y'), 'bank.ir.json')).toEqual([
      `${bank}/blocks/1/terminator/ifFalse`,
    ]);
    expect(errorPaths((p) => (p.entities[1].methods[1].body.entry = 'start'))).toEqual([`${BUY}/entry`]);
  });

  it('finds a successor that takes a variable the terminator does not carry', () => {
    expect(errorPaths((p) => (p.entities[1].methods[1].body.blocks[1].terminator.live = ['item']))).toEqual([
      `${BUY}/blocks/1/terminator/live`,
    ]);
    // The entry block may take only parameters of the method.
    expect(errorPaths((p) => p.entities[1].methods[1].body.blocks[0].params.push('total'))).toEqual([
      `${BUY}/blocks/0/params/2`,
    ]);
  });

  it('finds duplicate entities, methods and block ids', () => {
    expect(errorPaths((p) => (p.entities[1].name = 'Item'))).toContain('/entities/1/name');
    expect(errorPaths((p) => (p.entities[1].methods[0].name = 'buy_item'))).toEqual(['/entities/1/methods/1/name']);
    expect(errorPaths((p) => (p.entities[1].methods[1].body.blocks[2].id = 'b1'))).toEqual([
      `${BUY}/blocks/2/id`,
      // and b1 now resumes at a block that no longer exists.
      `${BUY}/blocks/1/terminator/resume`,
    ]);
  });

  it('checks the entity, method and field named by remote terminators', () => {
    expect(errorPaths((p) => (p.entities[1].methods[1].body.blocks[1].terminator.entity = 'Stock'))).toEqual([
      `${BUY}/blocks/1/terminator/entity`,
    ]);
    expect(errorPaths((p) => (p.entities[1].methods[1].body.blocks[1].terminator.method = 'restock'))).toEqual([
      `${BUY}/blocks/1/terminator/method`,
    ]);
    expect(errorPaths((p) => (p.entities[1].methods[1].body.blocks[0].terminator.attr = 'cost'))).toEqual([
      `${BUY}/blocks/0/terminator/attr`,
    ]);
    expect(errorPaths((p) => (p.entities[0].methods[1].body.blocks[0].terminator.entity = 'Bank'), 'bank.ir.json')).toEqual([
      '/entities/0/methods/1/body/blocks/0/terminator/entity',
    ]);
    expect(errorPaths((p) => (p.entities[0].methods[1].body.blocks[4].terminator.method = '_log'), 'bank.ir.json')).toEqual([
      '/entities/0/methods/1/body/blocks/4/terminator/method',
    ]);
  });

  it('requires block function names to be unique Python identifiers', () => {
    const blocks = `${BUY}/blocks`;
    expect(errorPaths((p) => (p.entities[1].methods[1].body.blocks[2].function = '__sf_User__buy_item__b0'))).toEqual([
      `${blocks}/2/function`,
    ]);
    expect(errorPaths((p) => (p.entities[1].methods[1].body.blocks[2].function = 'class'))).toEqual([`${blocks}/2/function`]);
    expect(errorPaths((p) => (p.entities[1].methods[1].body.blocks[2].function = '2fast'))).toEqual([`${blocks}/2/function`]);
    expect(errorPaths((p) => (p.entities[1].methods[1].body.blocks[2].function = 'a-b'))).toEqual([`${blocks}/2/function`]);
    expect(errorPaths((p) => (p.entities[1].methods[1].body.blocks[2].function = 'größe_b2'))).toEqual([]);
  });

  it('reports a missing field deep inside a type reference at its path', () => {
    const program = loadFixture('shop.ir.json');
    program.entities[0].key = { method: '__key__', type: { kind: 'Dict', key: { kind: 'Str' } } };
    const result = validateProgram(program);
    expect(result.ok ? [] : result.errors).toEqual([{ path: '/entities/0/key/type/value', message: 'is required' }]);
  });
});
