import type { TypeRef } from '@stateflow/ir';
import { isKind } from '../parse/node-kind.js';
import { fieldOf, fieldsOf, namedChildren, textOf, type PyNode, type SourceFile } from '../parse/syntax-node.js';

const ANY: TypeRef = { kind: 'Any' };

/** Resolves Python annotations to {@link TypeRef}s; unknown names become `Any`. */
export class TypeResolver {
  constructor(
    private readonly file: SourceFile,
    private readonly entityNames: ReadonlySet<string>,
  ) {}

  /** The type an annotation node (a `type` node or a bare expression) denotes. */
  resolve(node: PyNode | null): TypeRef {
    if (!node) return ANY;
    switch (node.type) {
      case 'type':
      case 'parenthesized_expression': {
        const inner = namedChildren(node)[0];
        return inner ? this.resolve(inner) : ANY;
      }
      case 'none':
        return { kind: 'NoneType' };
      case 'identifier':
        return this.byName(textOf(this.file, node));
      case 'attribute':
        return this.byName(textOf(this.file, fieldOf(node, 'attribute')!));
      case 'string':
        return this.fromString(node);
      case 'generic_type': {
        const [head, params] = namedChildren(node);
        const args = params ? namedChildren(params) : [];
        return this.generic(head ? this.headName(head) : '', args);
      }
      case 'subscript': {
        const head = fieldOf(node, 'value');
        const subs = fieldsOf(node, 'subscript');
        const args = subs.length === 1 && isKind(subs[0]!, 'tuple') ? namedChildren(subs[0]!) : subs;
        return this.generic(head ? this.headName(head) : '', args);
      }
      case 'binary_operator': {
        const op = node.children.find((c) => c.field === 'operator');
        if (!op || textOf(this.file, op) !== '|') return ANY;
        return makeUnion([this.resolve(fieldOf(node, 'left')), this.resolve(fieldOf(node, 'right'))]);
      }
      default:
        return ANY;
    }
  }

  private headName(head: PyNode): string {
    if (isKind(head, 'attribute')) return textOf(this.file, fieldOf(head, 'attribute')!);
    return textOf(this.file, head);
  }

  private fromString(node: PyNode): TypeRef {
    const content = node.children.filter((c) => isKind(c, 'string_content'));
    if (content.length !== 1 || node.children.some((c) => isKind(c, 'interpolation'))) return ANY;
    const text = textOf(this.file, content[0]!).trim();
    // Forward references: only plain (dotted) names are understood inside quotes.
    if (!/^[A-Za-z_][\w.]*$/.test(text)) return ANY;
    const last = text.split('.').pop()!;
    return this.byName(last);
  }

  private byName(name: string): TypeRef {
    switch (name) {
      case 'int':
        return { kind: 'Int' };
      case 'float':
        return { kind: 'Float' };
      case 'str':
        return { kind: 'Str' };
      case 'bool':
        return { kind: 'Bool' };
      case 'bytes':
        return { kind: 'Bytes' };
      case 'None':
        return { kind: 'NoneType' };
      case 'List':
      case 'list':
        return { kind: 'List', item: ANY };
      case 'Set':
      case 'set':
        return { kind: 'Set', item: ANY };
      case 'Dict':
      case 'dict':
        return { kind: 'Dict', key: ANY, value: ANY };
      case 'Tuple':
      case 'tuple':
        return { kind: 'Tuple', items: [ANY], variadic: true };
      default:
        return this.entityNames.has(name) ? { kind: 'EntityRef', entity: name } : ANY;
    }
  }

  private generic(head: string, args: PyNode[]): TypeRef {
    const arg = (i: number): TypeRef => this.resolve(args[i] ?? null);
    switch (head) {
      case 'List':
      case 'list':
        return { kind: 'List', item: arg(0) };
      case 'Set':
      case 'set':
        return { kind: 'Set', item: arg(0) };
      case 'Dict':
      case 'dict':
        return { kind: 'Dict', key: arg(0), value: arg(1) };
      case 'Tuple':
      case 'tuple': {
        const last = args[args.length - 1];
        const isEllipsis = (n: PyNode | undefined): boolean =>
          !!n && (isKind(n, 'ellipsis') || (isKind(n, 'type') && isKind(namedChildren(n)[0], 'ellipsis')));
        if (args.length === 2 && isEllipsis(last)) return { kind: 'Tuple', items: [arg(0)], variadic: true };
        return { kind: 'Tuple', items: args.map((_, i) => arg(i)) };
      }
      case 'Optional':
        return makeUnion([arg(0), { kind: 'NoneType' }]);
      case 'Union':
        return makeUnion(args.map((_, i) => arg(i)));
      default:
        return ANY;
    }
  }
}

/** Builds `Optional`/`Union` from a list of options, flattening nested unions. */
export function makeUnion(options: TypeRef[]): TypeRef {
  const flat: TypeRef[] = [];
  let hasNone = false;
  const add = (t: TypeRef): void => {
    if (t.kind === 'Union') t.options.forEach(add);
    else if (t.kind === 'Optional') {
      hasNone = true;
      add(t.item);
    } else if (t.kind === 'NoneType') hasNone = true;
    else if (!flat.some((f) => JSON.stringify(f) === JSON.stringify(t))) flat.push(t);
  };
  options.forEach(add);
  const core: TypeRef | null =
    flat.length === 0 ? null : flat.length === 1 ? flat[0]! : { kind: 'Union', options: flat };
  if (!core) return { kind: 'NoneType' };
  return hasNone ? { kind: 'Optional', item: core } : core;
}

/** The entity a value of type `t` refers to (through `Optional`), or null. */
export function entityOf(t: TypeRef): string | null {
  if (t.kind === 'EntityRef') return t.entity;
  if (t.kind === 'Optional') return entityOf(t.item);
  return null;
}

/** Whether `t` mentions an entity anywhere (worth remembering for a local variable). */
export function mentionsEntity(t: TypeRef): boolean {
  switch (t.kind) {
    case 'EntityRef':
      return true;
    case 'List':
    case 'Set':
    case 'Optional':
      return mentionsEntity(t.item);
    case 'Dict':
      return mentionsEntity(t.key) || mentionsEntity(t.value);
    case 'Tuple':
      return t.items.some(mentionsEntity);
    case 'Union':
      return t.options.some(mentionsEntity);
    default:
      return false;
  }
}

/** The element type produced by iterating a value of type `t`. */
export function elementOf(t: TypeRef): TypeRef {
  switch (t.kind) {
    case 'List':
    case 'Set':
      return t.item;
    case 'Dict':
      return t.key;
    case 'Tuple':
      return t.variadic || t.items.length === 1 ? t.items[0] ?? ANY : ANY;
    case 'Optional':
      return elementOf(t.item);
    default:
      return ANY;
  }
}
