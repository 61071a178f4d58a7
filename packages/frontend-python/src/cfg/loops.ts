import { CfgDiagnostics } from '../diagnostics/cfg.js';
import { isKind } from '../parse/node-kind.js';
import { containsInScope, fieldOf, namedChildren, spanOf, type PyNode } from '../parse/syntax-node.js';
import type { MethodBuilder, Scope, StmtState } from './builder.js';
import { nameExpr, type PyExpr } from './code.js';
import { hoistOperands } from './expressions.js';
import type { CfgBlock, CfgTerminator } from './model.js';
import { targetNames } from './names.js';
import { lowerStatements } from './statements.js';

type BranchTerminator = CfgTerminator & { kind: 'Branch' };

/** `while c:` → header block branching on `c` (its remote parts hoisted into the header). */
export function lowerWhile(b: MethodBuilder, s: PyNode, cur: CfgBlock): CfgBlock | null {
  const cond = fieldOf(s, 'condition')!;
  const body = fieldOf(s, 'body')!;
  const alt = fieldOf(s, 'alternative');
  const header = b.newBlock();
  b.jump(cur, header);
  b.touch(header, cond);
  const st: StmtState = { cur: header, reps: new Map() };
  if (b.remote.has(cond)) {
    if (containsInScope(cond, 'named_expression')) {
      b.report(CfgDiagnostics.WalrusInSplitStatement, {}, cond);
      return null;
    }
    hoistOperands(b, [{ node: cond }], st);
  }
  const branch: BranchTerminator = {
    kind: 'Branch',
    condition: b.source(cond, st.reps),
    ifTrue: -1,
    ifFalse: -1,
    uses: b.uses([cond], st.reps),
    loc: spanOf(b.file, cond),
  };
  st.cur.terminator = branch;
  return loopBody(b, s, header.index, branch, body, alt, (x) => x);
}

/**
 * `for t in it:` → `__sf_it = list(it)`, `__sf_i = 0`; header: `__sf_i < len(__sf_it)`;
 * body starts with `t = __sf_it[__sf_i]; __sf_i += 1`. The iterable is materialised
 * once, up front, since an iterator cannot travel across a remote call.
 */
export function lowerFor(b: MethodBuilder, s: PyNode, cur: CfgBlock): CfgBlock | null {
  const left = fieldOf(s, 'left')!;
  const right = fieldOf(s, 'right')!;
  const body = fieldOf(s, 'body')!;
  const alt = fieldOf(s, 'alternative');
  if (s.children.some((c) => isKind(c, 'async'))) {
    b.report(CfgDiagnostics.RemoteInUnsupportedStatement, { what: 'a remote interaction', place: 'an `async for` loop' }, s);
    return null;
  }
  b.touch(cur, right);
  const st: StmtState = { cur, reps: new Map() };
  if (b.remote.has(right)) hoistOperands(b, [{ node: right }], st);
  // `for x in a, b:` iterates a bare tuple: parenthesized, it is the one argument of `list(...)`.
  const iterable = b.source(right, st.reps, true);
  const iterUses = b.uses([right], st.reps);
  const targetDefs = b.defs(left).concat(targetNames(b.file, left, b.prefix));
  const target: LoopTarget = { code: b.source(left), defs: [...new Set(targetDefs)], uses: b.uses([left]) };
  return forLoop(b, st.cur, iterable, iterUses, target, s, body, alt, (x) => x);
}

/** What a loop assigns each element to. */
export interface LoopTarget {
  code: PyExpr;
  defs: string[];
  uses: string[];
}

/** The loop over a materialised list shared by `for` statements and comprehensions. */
export function forLoop(
  b: MethodBuilder,
  cur: CfgBlock,
  iterable: PyExpr,
  iterUses: string[],
  target: LoopTarget,
  node: PyNode,
  body: PyNode | null,
  alt: PyNode | null,
  lowerBody: (block: CfgBlock) => CfgBlock | null,
): CfgBlock | null {
  const items = b.newTemp('it');
  const index = b.newTemp('i');
  b.add(cur, { kind: 'Assign', target: nameExpr(items), value: { kind: 'Call', fn: 'list', args: [iterable] } }, iterUses, [items]);
  b.add(cur, { kind: 'Assign', target: nameExpr(index), value: { kind: 'Int', value: 0 } }, [], [index]);
  const header = b.newBlock();
  b.jump(cur, header);
  b.touch(header, node);
  const branch: BranchTerminator = {
    kind: 'Branch',
    condition: { kind: 'Compare', left: nameExpr(index), op: '<', right: { kind: 'Call', fn: 'len', args: [nameExpr(items)] } },
    ifTrue: -1,
    ifFalse: -1,
    uses: [index, items],
    loc: spanOf(b.file, node),
  };
  header.terminator = branch;
  return loopBody(b, node, header.index, branch, body, alt, (x) => {
    const element: PyExpr = { kind: 'Subscript', value: nameExpr(items), index: nameExpr(index) };
    b.add(x, { kind: 'Assign', target: target.code, value: element }, [items, index, ...target.uses], target.defs);
    b.add(x, { kind: 'AugAssign', target: nameExpr(index), op: '+=', value: { kind: 'Int', value: 1 } }, [index], [index]);
    return lowerBody(x);
  });
}

/** The body (continue → header), the `else` clause, and the exit (break target). */
function loopBody(
  b: MethodBuilder,
  node: PyNode,
  header: number,
  branch: BranchTerminator,
  body: PyNode | null,
  alt: PyNode | null,
  prologue: (block: CfgBlock) => CfgBlock | null,
): CfgBlock | null {
  const scope: Scope = { kind: 'loop', node, brk: null, cont: header };
  b.scopes.push(scope);
  const start = b.newBlock();
  branch.ifTrue = start.index;
  let end = prologue(start);
  if (end && body) end = lowerStatements(b, namedChildren(body), end);
  if (end) b.jump(end, header);
  b.scopes.pop();
  const done = b.newBlock();
  branch.ifFalse = done.index;
  let after: CfgBlock | null = done;
  if (alt) after = lowerStatements(b, namedChildren(fieldOf(alt, 'body') ?? alt), done);
  if (!scope.brk) return after;
  if (after) b.jump(after, scope.brk);
  return scope.brk;
}
