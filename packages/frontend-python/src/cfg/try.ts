import { CfgDiagnostics } from '../diagnostics/cfg.js';
import { isKind, isKindIn } from '../parse/node-kind.js';
import { NESTED_SCOPES, fieldOf, namedChildren, spanOf, textOf, walk, type PyNode } from '../parse/syntax-node.js';
import type { Exit, MethodBuilder, Scope } from './builder.js';
import { nameExpr, type PyExpr } from './code.js';
import { exit, unbind } from './exits.js';
import type { CfgBlock } from './model.js';
import { mangle } from './names.js';
import { lowerStatements } from './statements.js';

type FinallyScope = Scope & { kind: 'finally' };

/**
 * `try`/`except`/`else`/`finally`: every block of the body gets the `except` dispatch
 * (or the exceptional entry of `finally`) as its handler. The dispatch branches on
 * `isinstance` per clause and re-raises when none matches; `finally` runs with a pending
 * action `__sf_f<n>` (`None`, `('raise', e)`, `('return', v)`, `('break',)`,
 * `('continue',)`) and then carries it out.
 */
export function lowerTry(b: MethodBuilder, s: PyNode, cur: CfgBlock): CfgBlock | null {
  const body = fieldOf(s, 'body')!;
  const excepts = s.children.filter((c) => isKind(c, 'except_clause'));
  const elseClause = s.children.find((c) => isKind(c, 'else_clause')) ?? null;
  const fin = s.children.find((c) => isKind(c, 'finally_clause')) ?? null;
  const outer = b.handler;
  const n = b.nextId();
  // `except* E:` parses as an except clause with a `*` token.
  const group = excepts.find((c) => c.children.some((x) => isKind(x, '*')));
  if (group) {
    b.report(CfgDiagnostics.RemoteInExceptGroup, { what: 'a try with remote interactions' }, group);
    return null;
  }

  let scope: FinallyScope | null = null;
  let finEntry: CfgBlock | null = null;
  let finRaise: CfgBlock | null = null;
  if (fin) {
    const pending = `__sf_f${n}`;
    b.locals.add(pending);
    finRaise = b.newBlock();
    finRaise.catchVar = `__sf_x${n}`;
    b.locals.add(finRaise.catchVar);
    const raised: PyExpr = { kind: 'Tuple', items: [{ kind: 'Str', value: 'raise' }, nameExpr(finRaise.catchVar)] };
    b.add(finRaise, { kind: 'Assign', target: nameExpr(pending), value: raised }, [finRaise.catchVar], [pending]);
    finEntry = b.newBlock();
    b.touch(finEntry, fin);
    b.jump(finRaise, finEntry);
    scope = { kind: 'finally', pending, entry: finEntry.index, actions: new Set() };
    b.scopes.push(scope);
  }
  const afterHandler = finRaise ? finRaise.index : outer;
  b.handler = afterHandler;
  let dispatch: CfgBlock | null = null;
  if (excepts.length > 0) {
    dispatch = b.newBlock();
    dispatch.catchVar = `__sf_e${n}`;
    b.locals.add(dispatch.catchVar);
  }
  b.handler = dispatch ? dispatch.index : afterHandler;
  const start = b.newBlock();
  b.jump(cur, start);
  let end = lowerStatements(b, namedChildren(body), start);
  b.handler = afterHandler;
  if (end && elseClause) {
    const e = b.newBlock();
    b.jump(end, e);
    end = lowerStatements(b, namedChildren(fieldOf(elseClause, 'body') ?? elseClause), e);
  }
  const exits: CfgBlock[] = end ? [end] : [];
  if (dispatch) exits.push(...lowerExcepts(b, dispatch, excepts));

  b.handler = outer;
  if (!fin || !scope || !finEntry) {
    if (exits.length === 0) return null;
    const join = b.newBlock();
    for (const e of exits) b.jump(e, join);
    return join;
  }
  b.scopes.pop();
  for (const e of exits) {
    b.add(e, { kind: 'Assign', target: nameExpr(scope.pending), value: { kind: 'None' } }, [], [scope.pending]);
    b.jump(e, finEntry);
  }
  const finEnd = lowerStatements(b, namedChildren(namedChildren(fin).find((c) => isKind(c, 'block'))!), finEntry);
  if (!finEnd) return null;
  return dispatchPending(b, scope, finEnd, exits.length > 0);
}

/** The `except` clauses, tried in order from the dispatch block; returns the blocks that leave them normally. */
function lowerExcepts(b: MethodBuilder, dispatch: CfgBlock, excepts: PyNode[]): CfgBlock[] {
  const exits: CfgBlock[] = [];
  let d: CfgBlock | null = dispatch;
  const exc = dispatch.catchVar!;
  for (const clause of excepts) {
    if (!d) break;
    b.touch(d, clause);
    const value = fieldOf(clause, 'value');
    let typeNode: PyNode | null = value;
    let alias: PyNode | null = null;
    if (value && isKind(value, 'as_pattern')) {
      typeNode = namedChildren(value)[0] ?? null;
      const target = fieldOf(value, 'alias');
      alias = target ? (namedChildren(target)[0] ?? target) : null;
    }
    const block = namedChildren(clause).find((c) => isKind(c, 'block'))!;
    let bodyStart: CfgBlock;
    if (typeNode) {
      const t = b.newBlock();
      const f = b.newBlock();
      d.terminator = {
        kind: 'Branch',
        condition: { kind: 'Call', fn: 'isinstance', args: [nameExpr(exc), b.source(typeNode)] },
        ifTrue: t.index,
        ifFalse: f.index,
        uses: [exc, ...b.uses([typeNode])],
        loc: spanOf(b.file, clause),
      };
      bodyStart = t;
      d = f;
    } else {
      bodyStart = d;
      d = null;
    }
    let name: string | null = null;
    if (alias) {
      name = mangle(textOf(b.file, alias), b.prefix);
      b.add(bodyStart, { kind: 'Assign', target: nameExpr(name), value: nameExpr(exc) }, [exc], [name]);
      b.scopes.push({ kind: 'handler', name });
    }
    for (const r of bareRaisesOf(clause)) b.reraises.set(r, exc);
    const bodyEnd = lowerStatements(b, namedChildren(block), bodyStart);
    if (name) {
      b.scopes.pop();
      if (bodyEnd) unbind(bodyEnd, name);
    }
    if (bodyEnd) exits.push(bodyEnd);
  }
  if (d) {
    // No clause matched: the exception goes on to the enclosing handler.
    b.add(d, { kind: 'Raise', value: nameExpr(exc) }, [exc]);
    d.terminator = { kind: 'Return', value: null, uses: [], loc: 'synthetic' };
  }
  return exits;
}

/**
 * The bare `raise` statements that re-raise the exception `clause` handles: not those in
 * a nested `except` (they re-raise its exception) or in a nested function.
 */
function bareRaisesOf(clause: PyNode): PyNode[] {
  const out: PyNode[] = [];
  walk(clause, (n) => {
    if (n !== clause && (isKind(n, 'except_clause') || isKindIn(n, NESTED_SCOPES))) return false;
    if (isKind(n, 'raise_statement') && namedChildren(n).length === 0) out.push(n);
  });
  return out;
}

/** After the `finally` body: go on as the `try` was left (normally, raising, returning, ...). */
function dispatchPending(b: MethodBuilder, scope: FinallyScope, finEnd: CfgBlock, leftNormally: boolean): CfgBlock | null {
  const pending = nameExpr(scope.pending);
  const actionIs = (kind: Exit | 'raise'): PyExpr => ({
    kind: 'Compare',
    left: { kind: 'Subscript', value: pending, index: { kind: 'Int', value: 0 } },
    op: '==',
    right: { kind: 'Str', value: kind },
  });
  const pendingValue: PyExpr = { kind: 'Subscript', value: pending, index: { kind: 'Int', value: 1 } };
  const cases: { cond: PyExpr; run: (block: CfgBlock) => CfgBlock | null }[] = [];
  if (leftNormally) cases.push({ cond: { kind: 'Compare', left: pending, op: 'is', right: { kind: 'None' } }, run: (x) => x });
  cases.push({
    cond: actionIs('raise'),
    run: (x) => {
      b.add(x, { kind: 'Raise', value: pendingValue }, [scope.pending]);
      x.terminator = { kind: 'Return', value: null, uses: [], loc: 'synthetic' };
      return null;
    },
  });
  for (const kind of ['return', 'break', 'continue'] as const) {
    if (!scope.actions.has(kind)) continue;
    cases.push({
      cond: actionIs(kind),
      run: (x) => exit(b, kind, x, kind === 'return' ? pendingValue : null, [scope.pending], null),
    });
  }
  let d = finEnd;
  let cont: CfgBlock | null = null;
  cases.forEach((c, i) => {
    let target = d;
    if (i < cases.length - 1) {
      const t = b.newBlock();
      const f = b.newBlock();
      d.terminator = { kind: 'Branch', condition: c.cond, ifTrue: t.index, ifFalse: f.index, uses: [scope.pending], loc: 'synthetic' };
      target = t;
      d = f;
    }
    const out = c.run(target);
    if (out) cont = out;
  });
  return cont;
}
