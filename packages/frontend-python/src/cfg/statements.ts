import { CfgDiagnostics } from '../diagnostics/cfg.js';
import { isKind, statementName } from '../parse/node-kind.js';
import { containsInScope, fieldOf, namedChildren, spanOf, textOf, type PyNode } from '../parse/syntax-node.js';
import type { MethodBuilder, StmtState } from './builder.js';
import { nameExpr } from './code.js';
import { exit } from './exits.js';
import { hoistOperands, isTrivial, materializeValues } from './expressions.js';
import { lowerFor, lowerWhile } from './loops.js';
import type { CfgBlock, CfgTerminator } from './model.js';
import { lowerTry } from './try.js';

/** Lowers statements in order from `cur`; returns the block that continues after them, or null if none does. */
export function lowerStatements(b: MethodBuilder, stmts: PyNode[], cur: CfgBlock): CfgBlock | null {
  let block: CfgBlock | null = cur;
  for (const s of stmts) {
    block = lowerStatement(b, s, block);
    // Statements after a return/break/continue on every path are dead code.
    if (!block) return null;
  }
  return block;
}

function lowerStatement(b: MethodBuilder, s: PyNode, cur: CfgBlock): CfgBlock | null {
  if (!b.lowered.has(s)) {
    b.touch(cur, s);
    if (isKind(s, 'return_statement')) {
      const value = namedChildren(s)[0] ?? null;
      cur.terminator = {
        kind: 'Return',
        value: value ? b.source(value, undefined, true) : null,
        uses: b.uses([value]),
        loc: spanOf(b.file, s),
      };
      return null;
    }
    const reps = b.withReraises(new Map());
    cur.items.push({
      code: { kind: 'SourceStatement', node: s, replacements: reps, reindent: true },
      uses: b.uses([s], reps),
      defs: b.defs(s),
      kills: b.kills(s),
    });
    if (containsInScope(s, 'return_statement')) cur.mayReturn = true;
    return cur;
  }
  switch (s.type) {
    case 'if_statement':
      return lowerIf(b, s, cur);
    case 'while_statement':
      return lowerWhile(b, s, cur);
    case 'for_statement':
      return lowerFor(b, s, cur);
    case 'try_statement':
      return lowerTry(b, s, cur);
    case 'break_statement':
      b.touch(cur, s);
      return exit(b, 'break', cur, null, [], s);
    case 'continue_statement':
      b.touch(cur, s);
      return exit(b, 'continue', cur, null, [], s);
    case 'block':
      return lowerStatements(b, namedChildren(s), cur);
  }
  if (containsInScope(s, 'named_expression') && b.remote.has(s)) {
    b.report(CfgDiagnostics.WalrusInSplitStatement, {}, s);
    return cur;
  }
  b.touch(cur, s);
  const st: StmtState = { cur, reps: new Map() };
  switch (s.type) {
    case 'expression_statement': {
      const expr = namedChildren(s)[0]!;
      if (isKind(expr, 'assignment')) {
        let rhs = fieldOf(expr, 'right');
        while (rhs && isKind(rhs, 'assignment')) rhs = fieldOf(rhs, 'right');
        if (rhs) hoistOperands(b, [{ node: rhs }], st);
      } else if (isKind(expr, 'augmented_assignment')) {
        const left = fieldOf(expr, 'left')!;
        if (isKind(left, 'attribute') || isKind(left, 'subscript')) {
          lowerAugmentedTarget(b, s, expr, left, st);
          return st.cur;
        }
        hoistOperands(b, [{ node: fieldOf(expr, 'right')! }], st);
      } else {
        hoistOperands(b, [{ node: expr }], st);
      }
      b.touch(st.cur, s);
      // A bare remote call as a statement leaves nothing to run afterwards.
      if (!st.reps.has(expr)) pushSimple(b, st, s);
      return st.cur;
    }
    case 'raise_statement':
      hoistOperands(b, namedChildren(s).map((node) => ({ node })), st);
      b.touch(st.cur, s);
      pushSimple(b, st, s);
      return st.cur;
    case 'return_statement': {
      const value = namedChildren(s)[0] ?? null;
      if (value) hoistOperands(b, [{ node: value }], st);
      b.touch(st.cur, s);
      const returned = value ? b.source(value, st.reps, true) : { kind: 'None' as const };
      return exit(b, 'return', st.cur, returned, value ? b.uses([value], st.reps) : [], s);
    }
    default:
      // checkSplitMethod rejects remote interactions in other statements; a jump out
      // of a lowered loop through one (say, `with`) ends up here.
      b.report(
        CfgDiagnostics.RemoteInUnsupportedStatement,
        { what: 'break, continue or return out of a loop or try with remote interactions', place: `a \`${statementName(s)}\` statement` },
        s,
      );
      return cur;
  }
}

/** A simple statement whose remote parts are hoisted: the rest runs as written. */
function pushSimple(b: MethodBuilder, st: StmtState, s: PyNode): void {
  const reps = b.withReraises(new Map(st.reps));
  st.cur.items.push({
    code: { kind: 'SourceStatement', node: s, replacements: reps, reindent: false },
    uses: b.uses([s], reps),
    defs: b.defs(s),
    kills: b.kills(s),
  });
}

/**
 * `obj.attr op= <remote>` / `c[i] op= <remote>`: Python evaluates the container and the
 * index, reads the target's current value, then the right side. The value read first is
 * kept in a temporary (immutable values are what Python adds to; a mutable value cannot
 * keep its identity across a hop, so it is read again afterwards), then stored back.
 */
function lowerAugmentedTarget(b: MethodBuilder, s: PyNode, expr: PyNode, left: PyNode, st: StmtState): void {
  const right = fieldOf(expr, 'right')!;
  const op = expr.children.find((c) => c.field === 'operator');
  if (!op || !pathOperands(b, fieldOf(left, isKind(left, 'attribute') ? 'object' : 'value')!, st)) {
    b.report(
      CfgDiagnostics.RemoteInUnsupportedStatement,
      {
        what: 'an augmented assignment with a remote interaction',
        place: 'a target whose container is computed by a call or another expression (only names, attributes and subscripts)',
      },
      left,
    );
    return;
  }
  if (isKind(left, 'subscript')) {
    for (const index of left.children.filter((c) => c.field === 'subscript')) {
      if (!isTrivial(index)) materializeValues(b, index, st);
    }
  }
  const target = b.source(left, st.reps);
  const targetUses = b.uses([left], st.reps);
  const value = b.newTemp();
  b.add(st.cur, { kind: 'Assign', target: nameExpr(value), value: target }, targetUses, [value]);
  hoistOperands(b, [{ node: right }], st);
  b.touch(st.cur, s);
  b.add(st.cur, { kind: 'RereadIfMutable', name: value, target }, [value, ...targetUses], [value], []);
  b.add(
    st.cur,
    { kind: 'AugAssign', target: nameExpr(value), op: textOf(b.file, op), value: b.source(right, st.reps) },
    [value, ...b.uses([right], st.reps)],
    [value],
  );
  b.add(st.cur, { kind: 'Assign', target, value: nameExpr(value) }, [value, ...targetUses]);
}

/**
 * Prepares a container expression (`self`, `self.stats`, `d[k]`) to be evaluated twice,
 * before and after a remote interaction, with the same meaning: its non-trivial indexes
 * are evaluated once, now. False for anything else (a call, an operator, ...).
 */
function pathOperands(b: MethodBuilder, node: PyNode, st: StmtState): boolean {
  if (isKind(node, 'identifier')) return true;
  if (isKind(node, 'parenthesized_expression') && namedChildren(node).length === 1) return pathOperands(b, namedChildren(node)[0]!, st);
  if (isKind(node, 'attribute')) return pathOperands(b, fieldOf(node, 'object')!, st);
  if (isKind(node, 'subscript')) {
    if (!pathOperands(b, fieldOf(node, 'value')!, st)) return false;
    for (const index of node.children.filter((c) => c.field === 'subscript')) {
      if (!isTrivial(index)) materializeValues(b, index, st);
    }
    return true;
  }
  return false;
}

// -- if ----------------------------------------------------------------------------

interface IfClause {
  cond: PyNode | null;
  body: PyNode;
}

function lowerIf(b: MethodBuilder, s: PyNode, cur: CfgBlock): CfgBlock | null {
  const clauses: IfClause[] = [{ cond: fieldOf(s, 'condition'), body: fieldOf(s, 'consequence')! }];
  for (const alt of s.children.filter((c) => c.field === 'alternative')) {
    if (isKind(alt, 'elif_clause')) clauses.push({ cond: fieldOf(alt, 'condition'), body: fieldOf(alt, 'consequence')! });
    else clauses.push({ cond: null, body: fieldOf(alt, 'body')! });
  }
  return lowerIfChain(b, s, clauses, 0, cur);
}

function lowerIfChain(b: MethodBuilder, s: PyNode, clauses: IfClause[], k: number, cur: CfgBlock): CfgBlock | null {
  const clause = clauses[k]!;
  const cond = clause.cond!;
  const rest = clauses.slice(k + 1);
  const branchesLowered = b.lowered.has(clause.body) || rest.some((r) => (r.cond && b.lowered.has(r.cond)) || b.lowered.has(r.body));
  b.touch(cur, cond);
  const st: StmtState = { cur, reps: new Map() };
  if (b.remote.has(cond) && containsInScope(cond, 'named_expression')) {
    b.report(CfgDiagnostics.WalrusInSplitStatement, {}, cond);
  } else if (b.remote.has(cond)) {
    hoistOperands(b, [{ node: cond }], st);
  }
  b.touch(st.cur, cond);

  if (!branchesLowered) {
    // The rest of the chain is local: it stays one `if` statement.
    const parts = [cond, clause.body, ...rest.flatMap((r) => (r.cond ? [r.cond, r.body] : [r.body]))];
    const reps = b.withReraises(new Map(st.reps));
    st.cur.items.push({
      code: { kind: 'SourceIf', node: s, from: cond, replacements: reps },
      uses: b.uses(parts, reps),
      defs: parts.flatMap((p) => b.defs(p)),
      kills: [],
    });
    b.touch(st.cur, parts[parts.length - 1]!);
    if (parts.some((p) => containsInScope(p, 'return_statement'))) st.cur.mayReturn = true;
    return st.cur;
  }

  const branch: CfgTerminator & { kind: 'Branch' } = {
    kind: 'Branch',
    condition: b.source(cond, st.reps),
    ifTrue: -1,
    ifFalse: -1,
    uses: b.uses([cond], st.reps),
    loc: spanOf(b.file, cond),
  };
  st.cur.terminator = branch;
  const t = b.newBlock();
  branch.ifTrue = t.index;
  const tEnd = lowerStatements(b, namedChildren(clause.body), t);
  const next = rest[0];
  let fEnd: CfgBlock | null = null;
  if (next) {
    const f = b.newBlock();
    branch.ifFalse = f.index;
    fEnd = next.cond ? lowerIfChain(b, s, clauses, k + 1, f) : lowerStatements(b, namedChildren(next.body), f);
    if (!tEnd && !fEnd) return null;
  }
  const join = b.newBlock();
  if (!next) branch.ifFalse = join.index;
  for (const end of [tEnd, fEnd]) if (end) b.jump(end, join);
  return join;
}
