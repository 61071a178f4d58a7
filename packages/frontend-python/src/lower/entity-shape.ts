import type { Diagnostic, Field, Param, TypeRef } from '@stateflow/ir';
import { makeDiagnostic, type DefinedDiagnostic } from '../diagnostics/define.js';
import { LowerDiagnostics } from '../diagnostics/lower.js';
import { isKind } from '../parse/node-kind.js';
import { containsInScope, fieldOf, namedChildren, spanOf, textOf, walk, type PyNode, type SourceFile } from '../parse/syntax-node.js';
import type { FoundEntity } from './find-entities.js';
import type { EntityModel, MethodModel, MethodRole } from './model.js';
import type { TypeResolver } from './types.js';

const ANY: TypeRef = { kind: 'Any' };

/**
 * Reads the shape of an entity class: its methods with signatures, its fields (from
 * `self.x = ...` anywhere in its methods) and its key type. Remote interactions are
 * found later, once every entity's shape is known.
 */
export function readEntityShape(
  file: SourceFile,
  found: FoundEntity,
  types: TypeResolver,
  diagnostics: Diagnostic[],
): EntityModel {
  const diag = <D>(def: DefinedDiagnostic<D>, details: D, node: PyNode): void => {
    diagnostics.push(makeDiagnostic(def, details, spanOf(file, node)));
  };
  const { classNode, nameNode, name } = found;
  const bases = fieldOf(classNode, 'superclasses');
  const realBases = bases ? namedChildren(bases).filter((b) => textOf(file, b) !== 'object') : [];
  if (realBases.length > 0) {
    diag(LowerDiagnostics.EntityBaseClass, { entity: name }, realBases[0]!);
  }

  const methods = new Map<string, MethodModel>();
  const body = fieldOf(classNode, 'body');
  for (const stmt of body ? body.children : []) {
    let def: PyNode | null = null;
    let role: MethodRole | null = null;
    if (isKind(stmt, 'function_definition')) def = stmt;
    else if (isKind(stmt, 'decorated_definition')) {
      const inner = fieldOf(stmt, 'definition');
      if (!inner || !isKind(inner, 'function_definition')) continue;
      let ok = true;
      for (const d of stmt.children.filter((c) => isKind(c, 'decorator'))) {
        const text = textOf(file, d).slice(1).trim();
        if (text === 'staticmethod' || text === 'classmethod') role = 'static';
        else {
          diag(LowerDiagnostics.UnsupportedDecorator, { decorator: text }, d);
          ok = false;
        }
      }
      if (!ok) continue;
      def = inner;
    }
    if (!def) continue;
    const methodNameNode = fieldOf(def, 'name')!;
    const methodName = textOf(file, methodNameNode);
    if (def.children.some((c) => isKind(c, 'async'))) {
      diag(LowerDiagnostics.AsyncMethod, { method: methodName }, methodNameNode);
      continue;
    }
    role ??=
      methodName === '__init__'
        ? 'init'
        : methodName === '__key__'
          ? 'key'
          : methodName.startsWith('__') && methodName.endsWith('__')
            ? 'dunder'
            : 'method';
    const { selfName, params } = readParams(file, fieldOf(def, 'parameters'), types, role === 'static');
    if (role !== 'static' && selfName === null) {
      diag(LowerDiagnostics.MissingSelfParameter, { method: methodName }, methodNameNode);
      continue;
    }
    if (role !== 'static' && containsYield(def)) {
      diag(LowerDiagnostics.YieldInEntityMethod, { method: methodName }, methodNameNode);
      continue;
    }
    methods.set(methodName, {
      name: methodName,
      role,
      node: def,
      nameNode: methodNameNode,
      selfName,
      params,
      returns: role === 'init' ? { kind: 'NoneType' } : types.resolve(fieldOf(def, 'return_type')),
      directWrites: false,
      writes: false,
      selfCalls: [],
      sites: [],
      split: false,
    });
  }

  const { fields, fieldTypes } = readFields(file, [...methods.values()], types);
  const key = methods.get('__key__');
  if (!key) diag(LowerDiagnostics.MissingKeyMethod, { entity: name }, nameNode);
  return {
    name,
    node: classNode,
    nameNode,
    fields,
    fieldTypes,
    keyType: key ? keyType(file, key, fieldTypes) : ANY,
    methods,
  };
}

function readParams(
  file: SourceFile,
  node: PyNode | null,
  types: TypeResolver,
  isStatic: boolean,
): { selfName: string | null; params: Param[] } {
  const params: Param[] = [];
  let selfName: string | null = null;
  let keywordOnly = false;
  let first = !isStatic;
  for (const p of node ? namedChildren(node) : []) {
    if (isKind(p, 'keyword_separator')) {
      keywordOnly = true;
      continue;
    }
    if (isKind(p, 'positional_separator')) continue;
    let nameNode: PyNode | null = null;
    let typeNode: PyNode | null = null;
    let valueNode: PyNode | null = null;
    let mode: Param['mode'] = keywordOnly ? 'keyword-only' : 'positional-or-keyword';
    let target = p;
    if (isKind(p, 'typed_parameter')) {
      typeNode = fieldOf(p, 'type');
      target = namedChildren(p)[0]!;
    } else if (isKind(p, 'default_parameter') || isKind(p, 'typed_default_parameter')) {
      typeNode = fieldOf(p, 'type');
      valueNode = fieldOf(p, 'value');
      target = fieldOf(p, 'name')!;
    }
    if (isKind(target, 'list_splat_pattern')) {
      mode = 'var-positional';
      keywordOnly = true;
      nameNode = namedChildren(target)[0] ?? null;
    } else if (isKind(target, 'dictionary_splat_pattern')) {
      mode = 'var-keyword';
      nameNode = namedChildren(target)[0] ?? null;
    } else if (isKind(target, 'identifier')) {
      nameNode = target;
    }
    if (!nameNode) continue;
    if (first && mode === 'positional-or-keyword') {
      selfName = textOf(file, nameNode);
      first = false;
      continue;
    }
    first = false;
    const param: Param = {
      kind: 'Param',
      name: textOf(file, nameNode),
      type: types.resolve(typeNode),
      mode,
      loc: spanOf(file, p),
    };
    if (valueNode) param.default = textOf(file, valueNode);
    params.push(param);
  }
  return { selfName, params };
}

function containsYield(def: PyNode): boolean {
  const body = fieldOf(def, 'body');
  return !!body && containsInScope(body, 'yield');
}

/** Attribute targets `self.x` inside an assignment target (tuple targets included). */
export function selfAttributeTargets(file: SourceFile, target: PyNode, selfName: string): PyNode[] {
  const out: PyNode[] = [];
  const visit = (t: PyNode): void => {
    if (isKind(t, 'attribute')) {
      const obj = fieldOf(t, 'object');
      if (obj && isKind(obj, 'identifier') && textOf(file, obj) === selfName) out.push(t);
    } else if (
      isKind(t, 'pattern_list') ||
      isKind(t, 'tuple_pattern') ||
      isKind(t, 'list_pattern') ||
      isKind(t, 'parenthesized_expression') ||
      isKind(t, 'list_splat_pattern')
    ) {
      namedChildren(t).forEach(visit);
    }
  };
  visit(target);
  return out;
}

function readFields(
  file: SourceFile,
  methods: MethodModel[],
  types: TypeResolver,
): { fields: Field[]; fieldTypes: Map<string, TypeRef> } {
  const fields: Field[] = [];
  const byName = new Map<string, Field>();
  const annotated = new Set<string>();
  for (const m of methods) {
    if (!m.selfName) continue;
    const selfName = m.selfName;
    const body = fieldOf(m.node, 'body');
    if (!body) continue;
    walk(body, (n) => {
      // `self` inside nested functions or classes may be another object.
      if (isKind(n, 'function_definition') || isKind(n, 'class_definition') || isKind(n, 'lambda')) return false;
      if (!isKind(n, 'assignment') && !isKind(n, 'augmented_assignment')) return;
      const left = fieldOf(n, 'left');
      if (!left) return;
      const typeNode = isKind(n, 'assignment') ? fieldOf(n, 'type') : null;
      for (const t of selfAttributeTargets(file, left, selfName)) {
        const name = textOf(file, fieldOf(t, 'attribute')!);
        let field = byName.get(name);
        if (!field) {
          field = { kind: 'Field', name, type: ANY, loc: spanOf(file, t) };
          byName.set(name, field);
          fields.push(field);
        }
        if (typeNode && !annotated.has(name)) {
          annotated.add(name);
          field.type = types.resolve(typeNode);
        }
      }
    });
  }
  const fieldTypes = new Map<string, TypeRef>();
  for (const f of fields) fieldTypes.set(f.name, f.type);
  return { fields, fieldTypes };
}

/** The key type: `__key__`'s annotation, else the type of the field it returns. */
function keyType(file: SourceFile, key: MethodModel, fieldTypes: Map<string, TypeRef>): TypeRef {
  if (key.returns.kind !== 'Any') return key.returns;
  const body = fieldOf(key.node, 'body');
  const stmts = body ? namedChildren(body) : [];
  const ret = stmts.length === 1 && isKind(stmts[0]!, 'return_statement') ? namedChildren(stmts[0]!)[0] : undefined;
  if (ret && isKind(ret, 'attribute')) {
    const obj = fieldOf(ret, 'object')!;
    if (isKind(obj, 'identifier') && textOf(file, obj) === key.selfName) {
      return fieldTypes.get(textOf(file, fieldOf(ret, 'attribute')!)) ?? ANY;
    }
  }
  return ANY;
}
