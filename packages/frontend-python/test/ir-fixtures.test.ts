import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../src/index.js';

// Other packages test with IR this compiler wrote (they may not depend on it: backends
// receive IR only). Each such file must stay what the compiler writes now, or those
// tests run a program no user can get any more (the shop and bank fixtures of
// @stateflow/ir were written by hand before `Block.detached` existed, and were IR 0.1.0).
// `UPDATE=1 pnpm -F @stateflow/frontend-python test ir-fixtures` rewrites them, as
// `stateflow compile <source> --out <file>` would from the folder `path` is relative to.

const UPDATE = process.env['UPDATE'] === '1';
const ROOT = resolve(import.meta.dirname, '../../..');

interface IrFixture {
  /** The Python source, from the repository root. */
  source: string;
  /** The path the program is compiled with (its `module.path` and spans' `file`). */
  path: string;
  /** The IR files written from it, from the repository root. */
  outputs: string[];
}

const FIXTURES: IrFixture[] = [
  { source: 'examples/shop/app.py', path: 'app.py', outputs: ['packages/ir/test/fixtures/shop.ir.json'] },
  { source: 'packages/ir/test/fixtures/bank.py', path: 'bank.py', outputs: ['packages/ir/test/fixtures/bank.ir.json'] },
  {
    source: 'packages/backend-lambda/test/fixtures/transfers.py',
    path: 'test/fixtures/transfers.py',
    outputs: [
      'packages/backend-lambda/test/fixtures/transfers.ir.json',
      'packages/backend-cloudburst/test/fixtures/transfers.ir.json',
      'tests/cloudburst/test/transfers.ir.json',
    ],
  },
  {
    source: 'packages/runtime-local/test/fixtures/transfers.py',
    path: 'packages/runtime-local/test/fixtures/transfers.py',
    outputs: ['packages/runtime-local/test/fixtures/transfers.ir.json'],
  },
];

describe('IR fixtures of other packages', () => {
  it.each(FIXTURES.flatMap((f) => f.outputs.map((out) => [out, f] as const)))('%s is what the compiler writes now', async (out, fixture) => {
    const { program, diagnostics } = await compile(readFileSync(resolve(ROOT, fixture.source), 'utf8'), { path: fixture.path });
    expect(diagnostics).toEqual([]);
    // The CLI's `compile --out` text.
    const text = `${JSON.stringify(program, null, 2)}\n`;
    const file = resolve(ROOT, out);
    if (UPDATE) writeFileSync(file, text);
    expect(readFileSync(file, 'utf8'), `${out} is stale: run UPDATE=1 pnpm -F @stateflow/frontend-python test ir-fixtures and review the diff`).toBe(text);
  });

  it('compiles the copies of one source from that one source', () => {
    // The cloudburst backend's source is the lambda backend's, byte for byte.
    expect(readFileSync(resolve(ROOT, 'packages/backend-cloudburst/test/fixtures/transfers.py'), 'utf8')).toBe(
      readFileSync(resolve(ROOT, FIXTURES[2]!.source), 'utf8'),
    );
  });
});
