import type { Diagnostic } from '@stateflow/ir';
import type { EntityModel, MethodModel } from '../lower/index.js';
import { namedChildren, type SourceFile } from '../parse/syntax-node.js';
import { MethodBuilder } from './builder.js';
import { markStructural } from './exits.js';
import type { MethodCfg } from './model.js';
import { threadJumps } from './simplify.js';
import { lowerStatements } from './statements.js';

/**
 * Builds the block graph of one split method: straight-line local code, cut at every
 * remote interaction (hoisted into temporaries `__sf_t<n>` in evaluation order) and
 * lowered into branches and loops wherever control flow surrounds one: `if`, `while`,
 * `for` (over a list materialised up front), `try`/`except`/`else`/`finally`,
 * `break`/`continue`/`return`, `and`/`or`, `x if c else y` and comprehensions.
 * Each construct has its module: `statements.ts` (and `if`), `loops.ts`, `try.ts`,
 * `expressions.ts` and `expression-branches.ts` (hoisting), `exits.ts` (jumps out).
 * Returns null after reporting a diagnostic.
 */
export function buildCfg(file: SourceFile, entity: EntityModel, method: MethodModel, diagnostics: Diagnostic[]): MethodCfg | null {
  const b = new MethodBuilder(file, entity, method, diagnostics);
  markStructural(b);
  const before = diagnostics.length;
  const entry = b.newBlock();
  const end = lowerStatements(b, namedChildren(b.body), entry);
  if (end) end.terminator = { kind: 'Return', value: null, uses: [], loc: 'synthetic' };
  if (diagnostics.length !== before) return null;
  return {
    entity: entity.name,
    method: method.name,
    selfName: method.selfName!,
    manglePrefix: b.prefix,
    params: method.params.map((p) => p.name),
    blocks: threadJumps(b.blocks),
  };
}
