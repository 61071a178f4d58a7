import type { Loc } from '@stateflow/ir';
import { isKind, isKindIn, kindSet } from '../parse/node-kind.js';
import { COMPREHENSIONS, NESTED_SCOPES, spanOf, walk, type PyNode } from '../parse/syntax-node.js';
import type { Exit, MethodBuilder } from './builder.js';
import { nameExpr, type PyExpr } from './code.js';
import type { CfgBlock } from './model.js';
import { mangle } from './names.js';

const LOOPS = kindSet('for_statement', 'while_statement');
const JUMPS = kindSet('break_statement', 'continue_statement', 'return_statement');

/**
 * `break`/`continue` of a lowered loop, and any jump out of a lowered `try` with
 * `finally`, must be lowered too, with every statement around them.
 */
export function markStructural(b: MethodBuilder): void {
  const body = b.body;
  const jumps: PyNode[] = [];
  walk(body, (n) => {
    if (isKindIn(n, NESTED_SCOPES) || isKindIn(n, COMPREHENSIONS)) return false;
    if (isKindIn(n, JUMPS)) jumps.push(n);
  });
  const mark = (from: PyNode): void => {
    for (let n: PyNode | null = from; n && n !== body; n = n.parent) b.lowered.add(n);
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const j of jumps) {
      if (b.lowered.has(j)) continue;
      let need = false;
      let child = j;
      for (let n = j.parent; n && n !== body; child = n, n = n.parent) {
        if (!isKind(j, 'return_statement') && isKindIn(n, LOOPS) && child.field !== 'alternative') {
          need = b.lowered.has(n);
          break;
        }
        if (isKind(n, 'try_statement') && b.lowered.has(n) && !isKind(child, 'finally_clause') && n.children.some((c) => isKind(c, 'finally_clause'))) {
          need = true;
          break;
        }
      }
      if (need) {
        mark(j);
        changed = true;
      }
    }
  }
}

/** Leaves through `break`/`continue`/`return`, running enclosing lowered `finally` bodies first. */
export function exit(
  b: MethodBuilder,
  kind: Exit,
  cur: CfgBlock,
  value: PyExpr | null,
  uses: string[],
  node: PyNode | null,
  depth = b.scopes.length,
): null {
  const loc: Loc = node ? spanOf(b.file, node) : 'synthetic';
  for (let i = depth - 1; i >= 0; i--) {
    const scope = b.scopes[i]!;
    if (scope.kind === 'handler') {
      if (kind === 'return' && value !== null && !isPlainValue(b, value)) {
        // The value is computed before the clause's name is unbound.
        const temp = b.newTemp();
        b.add(cur, { kind: 'Assign', target: nameExpr(temp), value }, uses, [temp]);
        value = nameExpr(temp);
        uses = [temp];
      }
      unbind(cur, scope.name);
      continue;
    }
    if (scope.kind === 'finally') {
      const action: PyExpr[] = [{ kind: 'Str', value: kind }];
      if (kind === 'return') action.push(value ?? { kind: 'None' });
      b.add(cur, { kind: 'Assign', target: nameExpr(scope.pending), value: { kind: 'Tuple', items: action } }, kind === 'return' ? uses : [], [scope.pending]);
      scope.actions.add(kind);
      b.jump(cur, scope.entry);
      return null;
    }
    if (kind === 'return') continue;
    if (kind === 'break') {
      if (!scope.brk) {
        const saved = b.handler;
        b.handler = b.blocks[scope.cont]!.handler;
        scope.brk = b.newBlock();
        b.handler = saved;
      }
      b.jump(cur, scope.brk);
    } else {
      b.jump(cur, scope.cont);
    }
    return null;
  }
  cur.terminator = { kind: 'Return', value: kind === 'return' ? value : null, uses, loc };
  return null;
}

/** `except E as e` unbinds `e` when its clause is left, as Python does (`e = None; del e`). */
export function unbind(block: CfgBlock, name: string): void {
  block.items.push({ code: { kind: 'Unbind', name }, uses: [], defs: [], kills: [], unbinds: [name] });
}

const GENERATED = /^__sf_\w+$/;

/**
 * Whether a returned value is `None`, a generated variable (`__sf_t0`) or a pending
 * return value (`__sf_f0[1]`): nothing the unbinding of an `except` name can change.
 */
function isPlainValue(b: MethodBuilder, value: PyExpr): boolean {
  switch (value.kind) {
    case 'None':
      return true;
    case 'Name':
      return GENERATED.test(value.name);
    case 'Subscript':
      return value.value.kind === 'Name' && GENERATED.test(value.value.name) && value.index.kind === 'Int' && value.index.value === 1;
    case 'Source': {
      const { node } = value;
      if (value.asValue && isKind(node, 'expression_list')) return false;
      const rep = value.replacements.get(node);
      if (rep !== undefined) return GENERATED.test(rep);
      if (isKind(node, 'none')) return true;
      return isKind(node, 'identifier') && GENERATED.test(mangle(b.file.text.slice(node.start, node.end), b.prefix));
    }
    default:
      return false;
  }
}
