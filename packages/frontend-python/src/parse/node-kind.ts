/**
 * The one place that compares node kinds. Kinds are typed against the grammar's generated
 * list (`generated/node-kinds.ts`), so a misspelt kind (`'for_statment'`) fails to compile;
 * code elsewhere asks `isKind(node, 'for_statement')`, never `node.type === '...'`.
 */
import type { NodeKind } from './generated/node-kinds.js';
import type { PyNode } from './syntax-node.js';

export type { NamedNodeKind, NodeKind, TokenKind } from './generated/node-kinds.js';
export { NAMED_NODE_KINDS, TOKEN_KINDS } from './generated/node-kinds.js';

/** A set of node kinds, for {@link isKindIn}. */
export type KindSet<K extends NodeKind = NodeKind> = ReadonlySet<K>;

/** A set of node kinds, checked against the grammar. */
export function kindSet<K extends NodeKind>(...kinds: K[]): KindSet<K> {
  return new Set(kinds);
}

/**
 * Whether `node` exists and is of kind `kind`. When true, TypeScript knows `node` is
 * not null (`if (!isKind(list, 'argument_list')) return;` then `list.parent`).
 */
export function isKind<K extends NodeKind>(node: PyNode | null | undefined, kind: K): node is PyNode & { type: K } {
  return !!node && node.type === kind;
}

/** Whether `node` exists and its kind is one of `kinds`. */
export function isKindIn<K extends NodeKind>(node: PyNode | null | undefined, kinds: KindSet<K>): node is PyNode & { type: K } {
  return !!node && (kinds as ReadonlySet<NodeKind>).has(node.type);
}

/** Whether `node` is a statement or a clause of one (`while_statement`, `else_clause`, ...). */
export function isStatementOrClause(node: PyNode): boolean {
  return node.type.endsWith('_statement') || node.type.endsWith('_clause');
}

/** How a statement is named in messages: `while_statement` → `while`, `with_clause` → `with`. */
export function statementName(node: PyNode): string {
  return node.type.replace(/_(statement|clause)$/, '').replace(/_/g, ' ');
}
