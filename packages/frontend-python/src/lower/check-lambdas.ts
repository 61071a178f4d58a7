import type { TypeRef } from '@stateflow/ir';
import { makeDiagnostic } from '../diagnostics/define.js';
import { LowerDiagnostics } from '../diagnostics/lower.js';
import { isKind } from '../parse/node-kind.js';
import { fieldOf, namedChildren, spanOf, textOf, walk, type PyNode } from '../parse/syntax-node.js';
import type { AnalyzeContext } from './analyze-method.js';
import { elementOf, entityOf } from './types.js';

/**
 * SF2017: a lambda passed to a call next to an entity-typed container, whose body uses
 * its parameter as an entity: `min(items, key=lambda i: i.get_price())` with
 * `items: List[Item]`. The parameter has no static type, so the compiler does not see a
 * remote interaction there, and the builtin (or list method) runs the lambda where no
 * split is possible: at run time the element is a reference and the access fails.
 * A lambda bound to a local once (`key = lambda i: ...`) and otherwise only passed to or
 * called by calls counts at each call it is passed to (`min(items, key=key)`); a name
 * used any other way could hold something else there, so it is not followed.
 * Reported once per lambda, at its first such access.
 *
 * `typeOf` gives the static type of an expression of the method (see `analyzeMethod`).
 */
export function checkEntityLambdas(ctx: AnalyzeContext, body: PyNode, typeOf: (n: PyNode) => TypeRef): void {
  const aliases = lambdaAliases(ctx, body);
  walk(body, (n) => {
    if (!isKind(n, 'lambda')) return;
    let container: { node: PyNode; entity: string } | null = null;
    for (const site of [n, ...(aliases.get(n) ?? [])]) {
      const call = callTakingArgument(site);
      container = call ? entityContainer(call, site, typeOf) : null;
      if (container) break;
    }
    if (!container) return;
    const params = lambdaParams(ctx, n);
    const access = params.size > 0 ? firstAccess(ctx, n, params, typeOf) : null;
    if (!access) return;
    const { node, param } = access;
    const text = (x: PyNode): string => textOf(ctx.file, x);
    const member = text(fieldOf(node, 'attribute')!);
    const called = node.field === 'function' && isKind(node.parent, 'call') ? node.parent : null;
    ctx.diagnostics.push(
      makeDiagnostic(
        LowerDiagnostics.EntityCallInLambda,
        {
          param,
          entity: container.entity,
          access: called ? `calls ${container.entity}.${member}()` : `reads ${container.entity}.${member}`,
          example: text(called ?? node),
          iterable: text(container.node),
        },
        spanOf(ctx.file, called ?? node),
      ),
    );
  });
}

/**
 * Lambdas assigned to a plain local exactly once (`key = lambda i: ...`), each with the
 * places its name is passed as a call argument. A name that appears anywhere else than
 * that assignment, a call argument or a called function (a parameter, another binding,
 * `global`, a nested scope's use) is left out: it might not hold the lambda.
 */
function lambdaAliases(ctx: AnalyzeContext, body: PyNode): Map<PyNode, PyNode[]> {
  const assigned = new Map<string, PyNode[]>();
  const uses = new Map<string, { args: PyNode[]; other: boolean }>();
  walk(body, (n) => {
    if (isKind(n, 'assignment')) {
      const left = fieldOf(n, 'left');
      const right = fieldOf(n, 'right');
      if (isKind(left, 'identifier') && isKind(right, 'lambda')) {
        const name = textOf(ctx.file, left);
        assigned.set(name, [...(assigned.get(name) ?? []), right]);
      }
    }
    if (!isKind(n, 'identifier')) return;
    const p = n.parent;
    // Not names of variables: `obj.attr`, `f(name=...)`.
    if ((n.field === 'attribute' && isKind(p, 'attribute')) || (n.field === 'name' && isKind(p, 'keyword_argument'))) return;
    const name = textOf(ctx.file, n);
    const u = uses.get(name) ?? { args: [], other: false };
    uses.set(name, u);
    if (n.field === 'left' && isKind(p, 'assignment') && isKind(fieldOf(p, 'right'), 'lambda')) return;
    if (isKind(p, 'argument_list') || (n.field === 'value' && isKind(p, 'keyword_argument'))) u.args.push(n);
    else if (!(n.field === 'function' && isKind(p, 'call'))) u.other = true;
  });
  const out = new Map<PyNode, PyNode[]>();
  for (const [name, lambdas] of assigned) {
    const u = uses.get(name);
    if (lambdas.length === 1 && u && !u.other && u.args.length > 0) out.set(lambdas[0]!, u.args);
  }
  return out;
}

/** The call `arg` (a lambda or a name bound to one) is an argument of (positional or keyword), or null. */
function callTakingArgument(arg: PyNode): PyNode | null {
  let list = arg.parent;
  if (isKind(list, 'keyword_argument')) list = list.parent;
  if (!isKind(list, 'argument_list')) return null;
  return isKind(list.parent, 'call') ? list.parent : null;
}

/**
 * The first container of entities among the call's other positional arguments and, for a
 * method call (`items.sort(key=...)`), its receiver.
 */
function entityContainer(
  call: PyNode,
  lambda: PyNode,
  typeOf: (n: PyNode) => TypeRef,
): { node: PyNode; entity: string } | null {
  const candidates = namedChildren(fieldOf(call, 'arguments')!).filter(
    (a) => a !== lambda && !isKind(a, 'keyword_argument') && !isKind(a, 'list_splat') && !isKind(a, 'dictionary_splat'),
  );
  const fn = fieldOf(call, 'function');
  if (isKind(fn, 'attribute')) candidates.push(fieldOf(fn, 'object')!);
  for (const node of candidates) {
    const entity = entityOf(elementOf(typeOf(node)));
    if (entity) return { node, entity };
  }
  return null;
}

/** The names of the lambda's parameters. */
function lambdaParams(ctx: AnalyzeContext, lambda: PyNode): Set<string> {
  const names = new Set<string>();
  const params = fieldOf(lambda, 'parameters');
  for (const p of params ? namedChildren(params) : []) {
    const id = isKind(p, 'identifier') ? p : fieldOf(p, 'name');
    if (isKind(id, 'identifier')) names.add(textOf(ctx.file, id));
  }
  return names;
}

/**
 * The first attribute access `param.x` in the lambda's body on one of its parameters
 * that the method does not already see as an entity (those are remote interactions the
 * control-flow stage reports as SF3xxx).
 */
function firstAccess(
  ctx: AnalyzeContext,
  lambda: PyNode,
  params: Set<string>,
  typeOf: (n: PyNode) => TypeRef,
): { node: PyNode; param: string } | null {
  let found: { node: PyNode; param: string } | null = null;
  walk(fieldOf(lambda, 'body')!, (n) => {
    if (found) return false;
    if (!isKind(n, 'attribute')) return;
    const obj = fieldOf(n, 'object')!;
    if (!isKind(obj, 'identifier')) return;
    const param = textOf(ctx.file, obj);
    if (params.has(param) && !entityOf(typeOf(obj))) found = { node: n, param };
  });
  return found;
}
