import type { SourceSpan } from '@stateflow/ir';
import { isKind, isKindIn, kindSet, type KindSet, type NodeKind } from './node-kind.js';

/**
 * A plain, immutable copy of one tree-sitter node. The whole tree is copied once after
 * parsing so later stages walk ordinary objects instead of crossing into wasm.
 * Positions are 0-based UTF-16 offsets, like JavaScript string indices.
 */
export interface PyNode {
  /** Tree-sitter node type, e.g. `call`, `identifier`, `(`. */
  type: NodeKind;
  named: boolean;
  missing: boolean;
  /** Field name under the parent (`left`, `body`, ...), if any. */
  field: string | null;
  start: number;
  end: number;
  startLine: number;
  startCol: number;
  endLine: number;
  endCol: number;
  children: PyNode[];
  parent: PyNode | null;
}

/** A parsed file: its text, path and plain syntax tree. */
export interface SourceFile {
  path: string;
  text: string;
  root: PyNode;
}

/** The source text of `node`. */
export function textOf(file: SourceFile, node: PyNode): string {
  return file.text.slice(node.start, node.end);
}

/** The first child under field `name`, or null. */
export function fieldOf(node: PyNode, name: string): PyNode | null {
  for (const c of node.children) if (c.field === name) return c;
  return null;
}

/** All children under field `name`. */
export function fieldsOf(node: PyNode, name: string): PyNode[] {
  return node.children.filter((c) => c.field === name);
}

/** Named children, skipping comments. */
export function namedChildren(node: PyNode): PyNode[] {
  return node.children.filter((c) => c.named && !isKind(c, 'comment'));
}

/** The 1-based source span of `node` in `file`. */
export function spanOf(file: SourceFile, node: PyNode): SourceSpan {
  return {
    file: file.path,
    line: node.startLine + 1,
    column: node.startCol + 1,
    endLine: node.endLine + 1,
    endColumn: node.endCol + 1,
  };
}

/** The span from the start of `a` to the end of `b`. */
export function spanBetween(file: SourceFile, a: PyNode, b: PyNode): SourceSpan {
  return {
    file: file.path,
    line: a.startLine + 1,
    column: a.startCol + 1,
    endLine: b.endLine + 1,
    endColumn: b.endCol + 1,
  };
}

/** Calls `visit` on `node` and its descendants in pre-order; return `false` to skip a subtree. */
export function walk(node: PyNode, visit: (n: PyNode) => boolean | void): void {
  const stack: PyNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (visit(n) === false) continue;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
}

/** Node kinds that open a scope of their own: code inside them is not the enclosing method's. */
export const NESTED_SCOPES: KindSet = kindSet('function_definition', 'class_definition', 'lambda');

/** Expressions that open a scope of their own and may loop (`[f(x) for x in xs]`). */
export const COMPREHENSIONS: KindSet = kindSet('list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression');

/** Whether `node` contains a node of `kind` in its own scope (not inside a nested def, class or lambda). */
export function containsInScope(node: PyNode, kind: NodeKind): boolean {
  let found = false;
  walk(node, (n) => {
    if (found || isKindIn(n, NESTED_SCOPES)) return false;
    if (isKind(n, kind)) found = true;
    return !found;
  });
  return found;
}
