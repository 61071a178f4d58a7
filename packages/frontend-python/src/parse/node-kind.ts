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
export type KindSet = ReadonlySet<NodeKind>;

/** A set of node kinds, checked against the grammar. */
export function kindSet(...kinds: NodeKind[]): KindSet {
  return new Set(kinds);
}

/** Whether `node` exists and is of kind `kind`. */
export function isKind(node: PyNode | null | undefined, kind: NodeKind): boolean {
  return !!node && node.type === kind;
}

/** Whether `node` exists and its kind is one of `kinds`. */
export function isKindIn(node: PyNode | null | undefined, kinds: KindSet): boolean {
  return !!node && kinds.has(node.type);
}

/** Whether `node` is a statement or a clause of one (`while_statement`, `else_clause`, ...). */
export function isStatementOrClause(node: PyNode): boolean {
  return node.type.endsWith('_statement') || node.type.endsWith('_clause');
}

/** How a statement is named in messages: `while_statement` → `while`, `with_clause` → `with`. */
export function statementName(node: PyNode): string {
  return node.type.replace(/_(statement|clause)$/, '').replace(/_/g, ' ');
}
