import { isKind, isKindIn, kindSet } from '../parse/node-kind.js';
import { COMPREHENSIONS, NESTED_SCOPES, fieldOf, namedChildren, textOf, walk, type PyNode } from '../parse/syntax-node.js';
import type { MethodBuilder, StmtState } from './builder.js';
import { nameExpr, type PyExpr } from './code.js';
import { valueOf } from './expressions.js';
import { forLoop } from './loops.js';
import type { CfgBlock } from './model.js';
import { mangle, targetNames } from './names.js';

/*
 * Expressions with control flow of their own, lowered to branches and loops when a part
 * that Python may skip or repeat holds a remote interaction.
 */

const COMPREHENSION_CLAUSES = kindSet('for_in_clause', 'if_clause');

/** `a and b` / `a or b`: `b` runs only when Python would evaluate it. */
export function lowerBoolean(b: MethodBuilder, node: PyNode, st: StmtState): void {
  const left = fieldOf(node, 'left')!;
  const right = fieldOf(node, 'right')!;
  const op = node.children.find((c) => c.field === 'operator');
  const isAnd = !!op && textOf(b.file, op) === 'and';
  const lv = valueOf(b, left, st);
  const result = b.newTemp();
  b.add(st.cur, { kind: 'Assign', target: nameExpr(result), value: nameExpr(lv) }, [lv], [result]);
  const condition: PyExpr = isAnd ? nameExpr(result) : { kind: 'Not', operand: nameExpr(result) };
  branchJoin(b, st, condition, [result], (inner) => {
    const rv = valueOf(b, right, inner);
    b.add(inner.cur, { kind: 'Assign', target: nameExpr(result), value: nameExpr(rv) }, [rv], [result]);
  }, null);
  st.reps.set(node, result);
}

/**
 * `a < b < c.f()`: like `a < b and b < c.f()` with `b` evaluated once; a later operand
 * runs only when every comparison before it holds (Python's chained comparison).
 */
export function lowerComparison(b: MethodBuilder, node: PyNode, st: StmtState): void {
  const operands = namedChildren(node);
  const ops = node.children.filter((c) => c.field === 'operators').map((c) => textOf(b.file, c).replace(/\s+/g, ' '));
  const result = b.newTemp();
  let left = valueOf(b, operands[0]!, st);
  const step = (k: number, inner: StmtState): void => {
    const right = valueOf(b, operands[k]!, inner);
    const compare: PyExpr = { kind: 'Compare', left: nameExpr(left), op: ops[k - 1]!, right: nameExpr(right) };
    b.add(inner.cur, { kind: 'Assign', target: nameExpr(result), value: compare }, [left, right], [result]);
    left = right;
    if (k + 1 < operands.length) branchJoin(b, inner, nameExpr(result), [result], (x) => step(k + 1, x), null);
  };
  step(1, st);
  st.reps.set(node, result);
}

/** `a if c else b`: only the chosen side runs. */
export function lowerConditional(b: MethodBuilder, node: PyNode, st: StmtState): void {
  const [a, c, e] = namedChildren(node);
  if (!a || !c || !e) return;
  const cv = valueOf(b, c, st);
  const result = b.newTemp();
  const side = (expr: PyNode) => (inner: StmtState) => {
    const v = valueOf(b, expr, inner);
    b.add(inner.cur, { kind: 'Assign', target: nameExpr(result), value: nameExpr(v) }, [v], [result]);
  };
  branchJoin(b, st, nameExpr(cv), [cv], side(a), side(e));
  st.reps.set(node, result);
}

/** A branch on a local condition inside an expression; both sides join in a new block. */
function branchJoin(
  b: MethodBuilder,
  st: StmtState,
  condition: PyExpr,
  uses: string[],
  ifTrue: (inner: StmtState) => void,
  ifFalse: ((inner: StmtState) => void) | null,
): void {
  const t = b.newBlock();
  const f = ifFalse ? b.newBlock() : null;
  const join = b.newBlock();
  st.cur.terminator = { kind: 'Branch', condition, ifTrue: t.index, ifFalse: (f ?? join).index, uses, loc: 'synthetic' };
  for (const [start, run] of [[t, ifTrue], [f, ifFalse]] as const) {
    if (!start || !run) continue;
    const inner: StmtState = { cur: start, reps: st.reps };
    run(inner);
    b.jump(inner.cur, join);
  }
  st.cur = join;
}

/**
 * A comprehension with remote interactions becomes a loop filling a list (set, dict);
 * a generator expression is evaluated eagerly into a list. Its loop variables are
 * renamed (`__sf_c<n>_x`) so they stay local to it, as in Python.
 */
export function lowerComprehension(b: MethodBuilder, node: PyNode, st: StmtState): void {
  const body = fieldOf(node, 'body')!;
  const clauses = namedChildren(node).filter((c) => isKindIn(c, COMPREHENSION_CLAUSES));
  const n = b.nextId();
  // Rename the comprehension's own variables inside it.
  const renamed = new Map<string, string>();
  for (const c of clauses) {
    if (!isKind(c, 'for_in_clause')) continue;
    for (const name of targetNames(b.file, fieldOf(c, 'left')!, b.prefix)) {
      renamed.set(name, `__sf_c${n}_${name}`);
      b.locals.add(`__sf_c${n}_${name}`);
    }
  }
  walk(node, (x) => {
    if (x !== node && (isKindIn(x, NESTED_SCOPES) || isKindIn(x, COMPREHENSIONS))) return false;
    if (!isKind(x, 'identifier')) return;
    if (x.field === 'attribute' && isKind(x.parent, 'attribute')) return;
    if (x.field === 'name' && isKind(x.parent, 'keyword_argument')) return;
    // The first iterable is evaluated in the enclosing scope.
    if (clauses[0] && isInside(x, fieldOf(clauses[0], 'right')!)) return;
    const to = renamed.get(mangle(textOf(b.file, x), b.prefix));
    if (to && !st.reps.has(x)) st.reps.set(x, to);
  });
  const result = b.newTemp();
  const of = isKind(node, 'set_comprehension') ? 'set' : isKind(node, 'dictionary_comprehension') ? 'dict' : 'list';
  b.add(st.cur, { kind: 'Assign', target: nameExpr(result), value: { kind: 'Empty', of } }, [], [result]);
  const level = (k: number, inner: StmtState): CfgBlock | null => {
    const clause = clauses[k];
    if (!clause) {
      if (of === 'dict') {
        const kv = valueOf(b, fieldOf(body, 'key')!, inner);
        const vv = valueOf(b, fieldOf(body, 'value')!, inner);
        const entry: PyExpr = { kind: 'Subscript', value: nameExpr(result), index: nameExpr(kv) };
        b.add(inner.cur, { kind: 'Assign', target: entry, value: nameExpr(vv) }, [result, kv, vv]);
      } else {
        const v = valueOf(b, body, inner);
        b.add(inner.cur, { kind: 'AddTo', collection: result, of, value: nameExpr(v) }, [result, v]);
      }
      return inner.cur;
    }
    if (isKind(clause, 'if_clause')) {
      const cv = valueOf(b, namedChildren(clause)[0]!, inner);
      branchJoin(b, inner, nameExpr(cv), [cv], (x) => {
        x.cur = level(k + 1, x) ?? x.cur;
      }, null);
      return inner.cur;
    }
    const left = fieldOf(clause, 'left')!;
    const iv = valueOf(b, fieldOf(clause, 'right')!, inner);
    const target = {
      code: b.source(left, inner.reps),
      defs: targetNames(b.file, left, b.prefix).map((x) => renamed.get(x) ?? x),
      uses: [],
    };
    return forLoop(b, inner.cur, nameExpr(iv), [iv], target, clause, null, null, (x) => level(k + 1, { cur: x, reps: inner.reps }));
  };
  const end = level(0, st);
  if (end) st.cur = end;
  st.reps.set(node, result);
}

function isInside(node: PyNode, ancestor: PyNode): boolean {
  for (let n: PyNode | null = node; n; n = n.parent) if (n === ancestor) return true;
  return false;
}
