import type { Diagnostic } from '@stateflow/ir';
import { makeDiagnostic, type DefinedDiagnostic } from '../diagnostics/define.js';
import { CfgDiagnostics } from '../diagnostics/cfg.js';
import type { MethodModel, RemoteSite } from '../lower/index.js';
import { isKind, isKindIn, isStatementOrClause, kindSet, statementName } from '../parse/node-kind.js';
import { COMPREHENSIONS, fieldOf, namedChildren, spanOf, textOf, walk, type PyNode, type SourceFile } from '../parse/syntax-node.js';

const STATEMENTS_OK = kindSet(
  'expression_statement',
  'return_statement',
  'if_statement',
  'raise_statement',
  'while_statement',
  'for_statement',
  'try_statement',
);

/** How a site is described in messages. */
export function describeSite(site: RemoteSite): string {
  switch (site.kind) {
    case 'Invoke':
      return `remote call ${site.entity}.${site.method}()`;
    case 'ReadAttr':
      return `remote read ${site.entity}.${site.attr}`;
    case 'Create':
      return `creation of ${site.entity}`;
    case 'InvokeSelf':
      return `call of split method self.${site.method}()`;
  }
}

/**
 * Checks that every remote interaction of a split method sits where the splitter can
 * cut: not in `with`, `except*`, lambdas, nested functions, assignment targets or
 * statements such as `assert`/`del`/`match`. Also rejects
 * `global`/`nonlocal` and `super()` in split methods. Returns true when all is well.
 */
export function checkSplitMethod(file: SourceFile, method: MethodModel, diagnostics: Diagnostic[]): boolean {
  const before = diagnostics.length;
  const body = fieldOf(method.node, 'body')!;
  const report = <D>(def: DefinedDiagnostic<D>, details: D, node: PyNode): void => {
    diagnostics.push(makeDiagnostic(def, details, spanOf(file, node)));
  };
  for (const site of method.sites) {
    const what = describeSite(site);
    if (site.kind === 'ReadAttr' && isTarget(site.node)) {
      report(CfgDiagnostics.AssignToRemoteAttribute, { entity: site.entity, attr: site.attr }, site.node);
      continue;
    }
    if (site.kind !== 'ReadAttr' && namedChildren(site.args).some((a) => isKind(a, 'list_splat') || isKind(a, 'dictionary_splat'))) {
      report(CfgDiagnostics.RemoteCallWithUnpacking, {}, site.node);
      continue;
    }
    let child = site.node;
    for (let n = site.node.parent; n && n !== body; child = n, n = n.parent) {
      const problem = placementProblem(n, child);
      if (problem === 'ok') continue;
      if (problem === 'unsupported') {
        report(CfgDiagnostics.RemoteInUnsupportedStatement, { what, place: `a \`${statementName(n)}\` statement` }, site.node);
      } else if (problem === 'target') {
        report(CfgDiagnostics.RemoteInUnsupportedStatement, { what, place: 'an assignment target' }, site.node);
      } else {
        report(problem, { what }, site.node);
      }
      break;
    }
  }
  walk(body, (n) => {
    if (isKind(n, 'function_definition') || isKind(n, 'class_definition')) return false;
    if (isKind(n, 'global_statement') || isKind(n, 'nonlocal_statement')) {
      report(CfgDiagnostics.GlobalInSplitMethod, { keyword: isKind(n, 'global_statement') ? 'global' : 'nonlocal' }, n);
    } else if (isKind(n, 'call')) {
      const fn = fieldOf(n, 'function');
      const args = fieldOf(n, 'arguments');
      if (fn && isKind(fn, 'identifier') && textOf(file, fn) === 'super' && args && namedChildren(args).length === 0) {
        report(CfgDiagnostics.SuperInSplitMethod, {}, n);
      }
    }
  });
  return diagnostics.length === before;
}

type Problem = 'ok' | 'unsupported' | 'target' | DefinedDiagnostic<{ what: string }>;

function placementProblem(n: PyNode, child: PyNode): Problem {
  switch (n.type) {
    case 'while_statement':
    case 'for_statement':
    case 'except_clause':
      // `except* E:` parses as an except clause with a `*` token.
      return n.children.some((c) => isKind(c, '*')) ? CfgDiagnostics.RemoteInExceptGroup : 'ok';
    case 'try_statement':
    case 'finally_clause':
    case 'for_in_clause':
    case 'if_clause':
    case 'conditional_expression':
    case 'boolean_operator':
      return 'ok';
    case 'with_statement':
    case 'with_clause':
    case 'with_item':
      return CfgDiagnostics.RemoteInWith;
    case 'lambda':
      return CfgDiagnostics.RemoteInLambda;
    case 'function_definition':
    case 'class_definition':
    case 'decorated_definition':
      return CfgDiagnostics.RemoteInNestedFunction;
    case 'assignment':
    case 'augmented_assignment':
      return child.field === 'left' ? 'target' : 'ok';
    case 'block':
    case 'elif_clause':
    case 'else_clause':
      return 'ok';
    default:
      if (isKindIn(n, COMPREHENSIONS)) return 'ok';
      if (isStatementOrClause(n)) {
        return isKindIn(n, STATEMENTS_OK) ? 'ok' : 'unsupported';
      }
      return 'ok';
  }
}

/** Whether an attribute node is assigned to or deleted (`item.price = 3`, `del item.price`). */
function isTarget(node: PyNode): boolean {
  let cur = node;
  for (let p = node.parent; p; cur = p, p = p.parent) {
    if (isKind(p, 'delete_statement')) return true;
    if ((isKind(p, 'assignment') || isKind(p, 'augmented_assignment')) && cur.field === 'left') return true;
    if (isKind(p, 'pattern_list') || isKind(p, 'tuple_pattern') || isKind(p, 'list_pattern') || isKind(p, 'expression_list') || isKind(p, 'tuple')) continue;
    return false;
  }
  return false;
}
