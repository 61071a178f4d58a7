import type { Block, Method } from '@stateflow/ir';
import { validateProgram } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/index.js';

async function blocksOf(body: string, method = 'm'): Promise<Block[]> {
  const source = `from stateflow import stateflow


class Refused(Exception):
    pass


@stateflow
class Account:
    def __init__(self, k: str):
        self.k: str = k
        self.balance: int = 0

    def deposit(self, amount: int) -> int:
        self.balance += amount
        return self.balance

    def __key__(self):
        return self.k

${body}`;
  const { program, diagnostics } = await compile(source, { path: 'app.py' });
  expect(diagnostics).toEqual([]);
  expect(validateProgram(program).ok).toBe(true);
  const m = program!.entities[0]!.methods.find((x: Method) => x.name === method)!;
  if (m.body.kind !== 'SplitBody') throw new Error('not split');
  return m.body.blocks;
}

/** `id:terminator` of every block, with `+d` for the detached ones. */
function shape(blocks: Block[]): string[] {
  return blocks.map((b) => `${b.id}:${b.terminator.kind}${b.detached ? '+d' : ''}`);
}

describe('detached blocks', () => {
  it("marks a transfer's `return True` continuation detached", async () => {
    const blocks = await blocksOf(`    def transfer(self, to: "Account", amount: int) -> bool:
        self.balance -= amount
        to.deposit(amount)
        return True
`, 'transfer');
    expect(shape(blocks)).toEqual(['b0:Invoke', 'b1:Return+d']);
    expect(blocks[1]).toHaveProperty('detached', true);
    expect(blocks[0]).not.toHaveProperty('detached');
  });

  it('does not mark a continuation that reads self', async () => {
    const blocks = await blocksOf(`    def transfer(self, to: "Account", amount: int) -> int:
        to.deposit(amount)
        return self.balance
`, 'transfer');
    expect(shape(blocks)).toEqual(['b0:Invoke', 'b1:Return']);
  });

  it('does not mark a continuation that calls another entity', async () => {
    const blocks = await blocksOf(`    def twice(self, to: "Account", amount: int) -> int:
        to.deposit(amount)
        n = to.deposit(amount)
        return n
`, 'twice');
    expect(shape(blocks)).toEqual(['b0:Invoke', 'b1:Invoke', 'b2:Return+d']);
  });

  it('ignores self in a sub-expression an earlier block computed', async () => {
    const blocks = await blocksOf(`    def pay(self, to: "Account") -> int:
        return to.deposit(self.balance) + 1
`, 'pay');
    expect(shape(blocks)).toEqual(['b0:Invoke', 'b1:Return+d']);
  });

  it('counts self inside a lambda, a comprehension or a nested function as a use', async () => {
    const uses = [
      'f = lambda: self.balance\n        return f()',
      'return [self.balance for _ in range(n)]',
      'def g():\n            return self\n        return g() is not None',
      'return locals()["self"].balance',
      'return eval("self.balance")',
    ];
    for (const code of uses) {
      const blocks = await blocksOf(`    def m(self, to: "Account", amount: int) -> object:
        n = to.deposit(amount)
        ${code}
`);
      expect(shape(blocks), code).toEqual(['b0:Invoke', 'b1:Return']);
    }
  });

  it('is not fooled by an attribute or a keyword argument named self', async () => {
    const blocks = await blocksOf(`    def m(self, to: "Account", amount: int) -> object:
        n = to.deposit(amount)
        return dict(self=n).get("self")
`);
    expect(shape(blocks)).toEqual(['b0:Invoke', 'b1:Return+d']);
  });

  it('marks jumps and branches without self, and not the blocks that use it', async () => {
    const blocks = await blocksOf(`    def m(self, to: "Account", amount: int) -> int:
        n = to.deposit(amount)
        if n > 10:
            to.deposit(1)
            return 1
        elif n > self.balance:
            return 2
        return 3
`);
    // b1 tests n only; b4 is the elif, whose condition reads self.balance.
    expect(shape(blocks)).toEqual(['b0:Invoke', 'b1:Branch+d', 'b2:Invoke', 'b3:Return+d', 'b4:Jump', 'b5:Return+d']);
  });

  it('decides blocks inside a try by their own code, and the handler blocks by theirs', async () => {
    const blocks = await blocksOf(`    def m(self, to: "Account", amount: int) -> int:
        try:
            n = to.deposit(amount)
            return n
        except Refused:
            self.balance += 1
            return -1
`);
    // b3, the continuation, runs inside the try (a local exception jumps to the dispatch
    // b1) and uses no self: detached. The except body b4 changes self.balance: not
    // detached, so a detached run that raises reaches it and falls back to the Reply.
    // b5 re-raises an exception no clause matched.
    expect(shape(blocks)).toEqual(['b0:Jump+d', 'b1:Branch+d', 'b2:Invoke', 'b3:Return+d', 'b4:Return', 'b5:Return+d']);
    expect(blocks[2]!.terminator).toMatchObject({ resume: 'b3', onError: 'b1' });
  });
});
