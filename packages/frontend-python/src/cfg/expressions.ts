import type { Loc } from '@stateflow/ir';
import { CfgDiagnostics } from '../diagnostics/cfg.js';
import { isKind, isKindIn, kindSet } from '../parse/node-kind.js';
import { COMPREHENSIONS, containsInScope, fieldOf, namedChildren, spanOf, textOf, type PyNode } from '../parse/syntax-node.js';
import type { MethodBuilder, StmtState } from './builder.js';
import { nameExpr, type Replacements } from './code.js';
import { lowerBoolean, lowerComparison, lowerComprehension, lowerConditional } from './expression-branches.js';
import type { CallArgs, CfgTerminator } from './model.js';
import { mangle } from './names.js';

const TRIVIAL = kindSet('identifier', 'integer', 'float', 'true', 'false', 'none', 'ellipsis');
/** Syntax inside expressions that is not a value of its own. */
const NOT_VALUES = kindSet('pair', 'slice', 'list_splat', 'dictionary_splat', 'keyword_argument', 'parenthesized_list_splat');

/** An operand in Python evaluation order; `late` operands are never hoisted (callees). */
export interface Operand {
  node: PyNode;
  late?: boolean;
}

/** Evaluates operands in order: remote ones are hoisted, and so is anything before them that could observe state. */
export function hoistOperands(b: MethodBuilder, ops: Operand[], st: StmtState): void {
  let lastRemote = -1;
  ops.forEach((o, i) => {
    if (b.remote.has(o.node)) lastRemote = i;
  });
  ops.forEach((o, i) => {
    if (b.remote.has(o.node)) {
      hoistInto(b, o.node, st);
    } else if (i < lastRemote && !o.late && !isTrivial(o.node)) {
      materializeValues(b, o.node, st);
    }
  });
}

/** Materialises an operand; syntax that is not a value (`k: v`, `*xs`, `a:b`) part by part. */
export function materializeValues(b: MethodBuilder, node: PyNode, st: StmtState): void {
  if (isKind(node, 'interpolation')) {
    // `{x!r:>10}` in an f-string: only the expression is a value.
    const expr = fieldOf(node, 'expression') ?? namedChildren(node)[0];
    if (expr && !isTrivial(expr)) materializeValues(b, expr, st);
    return;
  }
  if (isKindIn(node, NOT_VALUES)) {
    for (const c of namedChildren(node)) {
      if (!isTrivial(c) && !(isKind(node, 'keyword_argument') && c.field === 'name')) materializeValues(b, c, st);
    }
    return;
  }
  materialize(b, node, st);
}

/** Evaluates a local expression into a fresh temporary now. */
function materialize(b: MethodBuilder, node: PyNode, st: StmtState): string {
  if (containsInScope(node, 'named_expression')) {
    b.report(CfgDiagnostics.WalrusInSplitStatement, {}, node);
    return 'None';
  }
  const temp = b.newTemp();
  b.add(st.cur, { kind: 'Assign', target: nameExpr(temp), value: b.source(node, st.reps) }, b.uses([node], st.reps), [temp]);
  st.reps.set(node, temp);
  return temp;
}

/** Evaluates `node` (remote or not) into a variable: the name of its value. */
export function valueOf(b: MethodBuilder, node: PyNode, st: StmtState): string {
  if (b.remote.has(node)) hoistInto(b, node, st);
  const rep = st.reps.get(node);
  if (rep !== undefined) return rep;
  if (isKind(node, 'identifier')) return mangle(textOf(b.file, node), b.prefix);
  return materialize(b, node, st);
}

/** Evaluates a node containing remote interactions, leaving its value in `st.reps`. */
function hoistInto(b: MethodBuilder, node: PyNode, st: StmtState): void {
  if (isKind(node, 'named_expression')) {
    b.report(CfgDiagnostics.WalrusInSplitStatement, {}, node);
    return;
  }
  const site = b.sites.get(node);
  if (!site) {
    if (isKind(node, 'parenthesized_expression') && namedChildren(node).length === 1) {
      const inner = namedChildren(node)[0]!;
      hoistInto(b, inner, st);
      const rep = st.reps.get(inner);
      if (rep !== undefined) st.reps.set(node, rep);
      return;
    }
    if (isKind(node, 'boolean_operator')) return lowerBoolean(b, node, st);
    if (isKind(node, 'comparison_operator') && namedChildren(node).slice(2).some((o) => b.remote.has(o))) {
      return lowerComparison(b, node, st);
    }
    if (isKind(node, 'conditional_expression')) return lowerConditional(b, node, st);
    if (isKindIn(node, COMPREHENSIONS)) return lowerComprehension(b, node, st);
    hoistOperands(b, evaluationOrder(node), st);
    return;
  }
  const loc: Loc = spanOf(b.file, node);
  let term: CfgTerminator;
  const resume = -1;
  if (site.kind === 'ReadAttr') {
    hoistOperands(b, [{ node: site.receiver }], st);
    term = {
      kind: 'ReadAttr',
      entity: site.entity,
      attr: site.attr,
      receiver: b.source(site.receiver, st.reps),
      resume,
      resultVar: '',
      uses: b.uses([site.receiver], st.reps),
      loc,
    };
  } else {
    const argOps = argumentOperands(site.args);
    if (site.kind === 'Invoke') {
      hoistOperands(b, [{ node: site.receiver }, ...argOps], st);
    } else {
      hoistOperands(b, argOps, st);
    }
    const call = callArgs(b, site.args, st.reps);
    const uses = b.uses(site.kind === 'Invoke' ? [site.receiver, site.args] : [site.args], st.reps);
    const common = { resume, resultVar: '', uses, loc, ...call };
    if (site.kind === 'Invoke') {
      term = { kind: 'Invoke', entity: site.entity, method: site.method, receiver: b.source(site.receiver, st.reps), ...common };
    } else if (site.kind === 'Create') {
      term = { kind: 'Create', entity: site.entity, ...common };
    } else {
      term = { kind: 'InvokeSelf', method: site.method, ...common };
    }
  }
  const temp = b.newTemp();
  term.resultVar = temp;
  st.cur.terminator = term;
  const next = b.newBlock();
  term.resume = next.index;
  st.cur = next;
  st.reps.set(node, temp);
}

function callArgs(b: MethodBuilder, args: PyNode, reps: Replacements): CallArgs {
  const out: CallArgs = { args: [], kwargs: [] };
  if (!isKind(args, 'argument_list')) {
    out.args.push(b.source(args, reps));
    return out;
  }
  for (const a of namedChildren(args)) {
    if (isKind(a, 'keyword_argument')) {
      out.kwargs.push([textOf(b.file, fieldOf(a, 'name')!), b.source(fieldOf(a, 'value')!, reps)]);
    } else {
      out.args.push(b.source(a, reps));
    }
  }
  return out;
}

function argumentOperands(args: PyNode): Operand[] {
  if (!isKind(args, 'argument_list')) return [{ node: args }];
  return namedChildren(args).map((a) => ({ node: isKind(a, 'keyword_argument') ? fieldOf(a, 'value')! : a }));
}

/** Sub-expressions of `node` in the order Python evaluates them. */
function evaluationOrder(node: PyNode): Operand[] {
  switch (node.type) {
    case 'call': {
      const fn = fieldOf(node, 'function')!;
      // The callee (a bound method lookup) is not a value worth carrying: evaluate it late.
      return [{ node: fn, late: true }, ...argumentOperands(fieldOf(node, 'arguments')!)];
    }
    case 'attribute':
      return [{ node: fieldOf(node, 'object')! }];
    case 'keyword_argument':
      return [{ node: fieldOf(node, 'value')! }];
    case 'pair':
      return [{ node: fieldOf(node, 'key')! }, { node: fieldOf(node, 'value')! }];
    case 'interpolation': {
      const expr = fieldOf(node, 'expression') ?? namedChildren(node)[0];
      return expr ? [{ node: expr }] : [];
    }
    default:
      return namedChildren(node).map((n) => ({ node: n }));
  }
}

/** Whether evaluating `node` early or late gives the same value (names, literals). */
export function isTrivial(node: PyNode): boolean {
  if (isKindIn(node, TRIVIAL)) return true;
  if (isKind(node, 'string')) return !node.children.some((c) => isKind(c, 'interpolation'));
  if (isKind(node, 'concatenated_string')) return node.children.every(isTrivial);
  if (isKind(node, 'unary_operator')) {
    const arg = fieldOf(node, 'argument');
    return isKind(arg, 'integer') || isKind(arg, 'float');
  }
  // Tokens inside strings and similar leaves.
  return !node.children.some((c) => c.named);
}
