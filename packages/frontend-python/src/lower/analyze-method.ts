import type { Diagnostic, TypeRef } from '@stateflow/ir';
import { makeDiagnostic } from '../diagnostics/define.js';
import { LowerDiagnostics } from '../diagnostics/lower.js';
import { isKind, isKindIn, kindSet } from '../parse/node-kind.js';
import { fieldOf, namedChildren, spanOf, textOf, walk, type PyNode, type SourceFile } from '../parse/syntax-node.js';
import { checkEntityLambdas } from './check-lambdas.js';
import type { EntityModel, MethodModel } from './model.js';
import { elementOf, entityOf, mentionsEntity, type TypeResolver } from './types.js';

const ANY: TypeRef = { kind: 'Any' };
const TARGET_LISTS = kindSet('pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'parenthesized_expression', 'expression_list');

/** Everything {@link analyzeMethod} needs to know about the module. */
export interface AnalyzeContext {
  file: SourceFile;
  entities: Map<string, EntityModel>;
  types: TypeResolver;
  diagnostics: Diagnostic[];
}

/**
 * Finds the remote interactions (Invoke, ReadAttr, Create), the self-calls and the
 * direct state writes of one method. Types are static only: parameters and locals
 * annotated with an entity class, locals assigned from entity-typed expressions,
 * entity-typed fields, and elements of entity-typed containers.
 */
export function analyzeMethod(ctx: AnalyzeContext, entity: EntityModel, method: MethodModel): void {
  const { file } = ctx;
  const body = fieldOf(method.node, 'body');
  if (!body) return;
  const selfName = method.selfName;
  const text = (n: PyNode): string => textOf(file, n);
  const isSelf = (n: PyNode | null): boolean => !!n && isKind(n, 'identifier') && selfName !== null && text(n) === selfName;

  const env = new Map<string, TypeRef>();
  for (const p of method.params) if (mentionsEntity(p.type)) env.set(p.name, p.type);

  let cache: Map<PyNode, TypeRef> | null = null;
  const typeOf = (n: PyNode): TypeRef => {
    const hit = cache?.get(n);
    if (hit) return hit;
    const t = computeType(n);
    cache?.set(n, t);
    return t;
  };
  const computeType = (n: PyNode): TypeRef => {
    switch (n.type) {
      case 'identifier':
        return env.get(text(n)) ?? ANY;
      case 'parenthesized_expression': {
        const inner = namedChildren(n)[0];
        return inner ? typeOf(inner) : ANY;
      }
      case 'attribute': {
        const obj = fieldOf(n, 'object')!;
        const attr = text(fieldOf(n, 'attribute')!);
        if (isSelf(obj)) return entity.fieldTypes.get(attr) ?? ANY;
        const target = entityOf(typeOf(obj));
        return (target && ctx.entities.get(target)?.fieldTypes.get(attr)) || ANY;
      }
      case 'call': {
        const fn = fieldOf(n, 'function')!;
        if (isKind(fn, 'identifier') && ctx.entities.has(text(fn))) return { kind: 'EntityRef', entity: text(fn) };
        const argList = fieldOf(n, 'arguments');
        const args = argList ? namedChildren(argList).filter((a) => !isKind(a, 'keyword_argument')) : [];
        if (isKind(fn, 'identifier')) {
          // Builtins that keep element types: enumerate, zip, list, sorted, reversed, ...
          const elem = (k: number): TypeRef => (args[k] ? elementOf(typeOf(args[k]!)) : ANY);
          switch (text(fn)) {
            case 'enumerate':
              return { kind: 'List', item: { kind: 'Tuple', items: [{ kind: 'Int' }, elem(0)] } };
            case 'zip':
              return { kind: 'List', item: { kind: 'Tuple', items: args.map((_, k) => elem(k)) } };
            case 'list':
            case 'sorted':
            case 'reversed':
            case 'iter':
              return { kind: 'List', item: elem(0) };
            case 'set':
            case 'frozenset':
              return { kind: 'Set', item: elem(0) };
            case 'next':
              return elem(0);
            default:
              return ANY;
          }
        }
        if (!isKind(fn, 'attribute')) return ANY;
        const obj = fieldOf(fn, 'object')!;
        const name = text(fieldOf(fn, 'attribute')!);
        if (isSelf(obj)) {
          const own = entity.methods.get(name);
          if (own) return own.returns;
        }
        if (!entityOf(typeOf(obj))) {
          // Methods of containers that keep element types.
          let ct = typeOf(obj);
          if (ct.kind === 'Optional') ct = ct.item;
          if (ct.kind === 'Dict') {
            if (name === 'items') return { kind: 'List', item: { kind: 'Tuple', items: [ct.key, ct.value] } };
            if (name === 'values') return { kind: 'List', item: ct.value };
            if (name === 'keys') return { kind: 'List', item: ct.key };
            if (name === 'get' || name === 'pop' || name === 'setdefault') return ct.value;
            if (name === 'copy') return ct;
          }
          if (ct.kind === 'List') {
            if (name === 'pop') return ct.item;
            if (name === 'copy') return ct;
          }
          if (isSelf(obj)) return ANY;
        }
        const target = entityOf(typeOf(obj));
        return (target && ctx.entities.get(target)?.methods.get(name)?.returns) || ANY;
      }
      case 'subscript': {
        let t = typeOf(fieldOf(n, 'value')!);
        if (t.kind === 'Optional') t = t.item;
        if (t.kind === 'List') return t.item;
        if (t.kind === 'Dict') return t.value;
        if (t.kind === 'Tuple') {
          if (t.variadic) return t.items[0] ?? ANY;
          const index = fieldOf(n, 'subscript');
          if (index && isKind(index, 'integer')) return t.items[Number(text(index))] ?? ANY;
        }
        return ANY;
      }
      default:
        return ANY;
    }
  };
  const bind = (target: PyNode | null, t: TypeRef): void => {
    if (!target || !mentionsEntity(t)) return;
    if (isKind(target, 'identifier')) env.set(text(target), t);
    else if (isKindIn(target, TARGET_LISTS)) {
      const parts = namedChildren(target);
      if (isKind(target, 'parenthesized_expression')) return bind(parts[0] ?? null, t);
      if (t.kind === 'Tuple') parts.forEach((p, k) => bind(p, t.variadic ? t.items[0] ?? ANY : t.items[k] ?? ANY));
      else if (t.kind === 'List') parts.forEach((p) => bind(p, t.item));
    }
  };

  // Pass 1, in source order: the static types of locals.
  walk(body, (n) => {
    if (isKind(n, 'assignment')) {
      const typeNode = fieldOf(n, 'type');
      if (typeNode) {
        bind(fieldOf(n, 'left'), ctx.types.resolve(typeNode));
      } else {
        let rhs = fieldOf(n, 'right');
        while (rhs && isKind(rhs, 'assignment')) rhs = fieldOf(rhs, 'right');
        if (rhs) bind(fieldOf(n, 'left'), typeOf(rhs));
      }
    } else if (isKind(n, 'for_statement') || isKind(n, 'for_in_clause')) {
      const right = fieldOf(n, 'right');
      if (right) bind(fieldOf(n, 'left'), elementOf(typeOf(right)));
    } else if (isKind(n, 'named_expression')) {
      const value = fieldOf(n, 'value');
      if (value) bind(fieldOf(n, 'name'), typeOf(value));
    }
  });

  // Pass 2, with the final types: remote sites, self-calls, writes.
  cache = new Map();
  const rootedAtSelf = (n: PyNode): boolean => {
    let cur: PyNode | null = n;
    while (cur && (isKind(cur, 'attribute') || isKind(cur, 'subscript'))) {
      cur = fieldOf(cur, isKind(cur, 'attribute') ? 'object' : 'value');
    }
    return isSelf(cur);
  };
  const writesThrough = (target: PyNode): boolean => {
    if (isKind(target, 'attribute') || isKind(target, 'subscript')) return rootedAtSelf(target);
    return namedChildren(target).some(writesThrough);
  };

  walk(body, (n) => {
    // Python does not evaluate the annotation of a local (`x: T = v`, `x: T`): no sites there.
    if (n.field === 'type' && isKind(n.parent, 'assignment')) return false;
    switch (n.type) {
      case 'assignment':
      case 'augmented_assignment': {
        const left = fieldOf(n, 'left');
        if (left && writesThrough(left)) method.directWrites = true;
        break;
      }
      case 'delete_statement':
        if (namedChildren(n).some(writesThrough)) method.directWrites = true;
        break;
      case 'identifier':
        // A bare `self` escaping (passed or returned) may be written by anyone: be conservative.
        if (isSelf(n) && !(n.field === 'object' && isKind(n.parent, 'attribute'))) method.directWrites = true;
        break;
      case 'call':
        visitCall(n);
        break;
      case 'attribute':
        if (!(n.field === 'function' && isKind(n.parent, 'call'))) visitRead(n);
        break;
    }
  });

  checkEntityLambdas(ctx, body, typeOf);

  function visitCall(call: PyNode): void {
    const fn = fieldOf(call, 'function')!;
    const args = fieldOf(call, 'arguments')!;
    if (isKind(fn, 'identifier')) {
      const name = text(fn);
      if (ctx.entities.has(name)) method.sites.push({ kind: 'Create', node: call, args, entity: name });
      return;
    }
    if (!isKind(fn, 'attribute')) return;
    const obj = fieldOf(fn, 'object')!;
    const nameNode = fieldOf(fn, 'attribute')!;
    const name = text(nameNode);
    if (isSelf(obj)) {
      method.selfCalls.push({ method: name, node: call });
      return;
    }
    if (rootedAtSelf(obj)) method.directWrites = true;
    const target = entityOf(typeOf(obj));
    if (!target) return;
    const callee = ctx.entities.get(target)?.methods.get(name);
    if (!callee || (callee.role !== 'method')) {
      ctx.diagnostics.push(
        makeDiagnostic(LowerDiagnostics.UnknownEntityMethod, { entity: target, method: name }, spanOf(file, nameNode)),
      );
      return;
    }
    if (name.startsWith('_')) {
      ctx.diagnostics.push(
        makeDiagnostic(LowerDiagnostics.PrivateRemoteMethod, { entity: target, method: name }, spanOf(file, nameNode)),
      );
      return;
    }
    method.sites.push({ kind: 'Invoke', node: call, receiver: obj, args, entity: target, method: name });
  }

  function visitRead(attr: PyNode): void {
    const obj = fieldOf(attr, 'object')!;
    if (isSelf(obj)) return;
    const target = entityOf(typeOf(obj));
    if (!target) return;
    const attrNode = fieldOf(attr, 'attribute')!;
    if (!ctx.entities.get(target)?.fieldTypes.has(text(attrNode))) {
      ctx.diagnostics.push(
        makeDiagnostic(LowerDiagnostics.UnknownEntityAttribute, { entity: target, attr: text(attrNode) }, spanOf(file, attrNode)),
      );
      return;
    }
    method.sites.push({ kind: 'ReadAttr', node: attr, receiver: obj, entity: target, attr: text(fieldOf(attr, 'attribute')!) });
  }
}
