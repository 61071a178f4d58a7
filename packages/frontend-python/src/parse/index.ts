import type { Diagnostic } from '@stateflow/ir';
import type { Tree } from 'web-tree-sitter';
import { makeDiagnostic } from '../diagnostics/define.js';
import { ParseDiagnostics } from '../diagnostics/parse.js';
import { isKind, isKindIn, kindSet, type NodeKind } from './node-kind.js';
import { getPythonParser } from './parser.js';
import { spanOf, type PyNode, type SourceFile } from './syntax-node.js';

export type { PyNode, SourceFile } from './syntax-node.js';

/** Result of {@link parsePython}: the file, and SF1xxx diagnostics. */
export interface ParseResult {
  file: SourceFile;
  diagnostics: Diagnostic[];
}

/** Parses Python source into a plain syntax tree; reports the first syntax error (SF1001). */
export async function parsePython(text: string, path: string): Promise<ParseResult> {
  const parser = await getPythonParser();
  const tree = parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  let root: PyNode;
  try {
    root = copyTree(tree, text);
  } finally {
    tree.delete();
  }
  const file: SourceFile = { path, text, root };
  const diagnostics: Diagnostic[] = [];
  const bad = firstError(root);
  if (bad) {
    const what = bad.missing ? `expected \`${bad.type}\`` : 'unexpected input';
    diagnostics.push(makeDiagnostic(ParseDiagnostics.SyntaxError, { what }, spanOf(file, bad)));
  } else {
    const annotated = misplacedAnnotation(root);
    if (annotated) {
      diagnostics.push(
        makeDiagnostic(
          ParseDiagnostics.SyntaxError,
          { what: 'an annotation (`x: T`) is allowed only on the single, first target of an assignment' },
          spanOf(file, annotated),
        ),
      );
    }
  }
  return { file, diagnostics };
}

/**
 * Copies the tree into plain objects with one cursor walk. Every cursor getter crosses
 * into wasm, so only what cannot be derived is asked: type and field ids (names come
 * from the language's tables), named, start and end index; line and column come from
 * the text (tree-sitter counts both in UTF-16 code units, rows by `\n`), and `missing`
 * is asked only of empty nodes (a missing node is always empty).
 */
function copyTree(tree: Tree, text: string): PyNode {
  const cursor = tree.walk();
  const types = tree.language.types;
  const fields = tree.language.fields;
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  let hint = 0;
  const lineOf = (index: number): number => {
    // Start indexes come in document order: try the last line first.
    if (lineStarts[hint]! <= index && (hint + 1 >= lineStarts.length || lineStarts[hint + 1]! > index)) return hint;
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  try {
    const make = (parent: PyNode | null): PyNode => {
      const start = cursor.startIndex;
      const end = cursor.endIndex;
      const startLine = (hint = lineOf(start));
      const endLine = lineOf(end);
      const fieldId = cursor.currentFieldId;
      return {
        // The grammar's own table: every name in it is a NodeKind (test/parse/node-kinds.test.ts).
        type: (types[cursor.nodeTypeId] || 'ERROR') as NodeKind,
        named: cursor.nodeIsNamed,
        missing: start === end ? cursor.nodeIsMissing : false,
        field: fieldId ? (fields[fieldId] ?? null) : null,
        start,
        end,
        startLine,
        startCol: start - lineStarts[startLine]!,
        endLine,
        endCol: end - lineStarts[endLine]!,
        children: [],
        parent,
      };
    };
    const root = make(null);
    let current = root;
    // Iterative pre-order walk: deeply nested code must not overflow the JS stack.
    for (;;) {
      if (cursor.gotoFirstChild()) {
        const child = make(current);
        current.children.push(child);
        current = child;
        continue;
      }
      for (;;) {
        if (cursor.gotoNextSibling()) {
          const sibling = make(current.parent);
          current.parent!.children.push(sibling);
          current = sibling;
          break;
        }
        if (!cursor.gotoParent()) return root;
        current = current.parent!;
      }
    }
  } finally {
    cursor.delete();
  }
}

/** The innermost first ERROR or MISSING node, in document order. */
function firstError(root: PyNode): PyNode | null {
  let found = firstErrorBelow(root.children);
  for (;;) {
    if (!found) return null;
    const inner = firstErrorBelow(found.children);
    if (!inner) return found;
    found = inner;
  }
}

function firstErrorBelow(nodes: PyNode[]): PyNode | null {
  const stack: PyNode[] = [...nodes].reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (isKind(n, 'ERROR') || n.missing) return n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return null;
}

/** Targets Python accepts with an annotation: `x`, `(x)`, `a.b`, `a[i]`. */
const ANNOTATABLE = kindSet('identifier', 'attribute', 'subscript', 'parenthesized_expression');

/**
 * An annotated assignment that CPython rejects but the grammar accepts: one inside a
 * chain (`f = g: T`, parsed as an assignment without a right side) or with a tuple
 * target (`a, b: T = v`).
 */
function misplacedAnnotation(root: PyNode): PyNode | null {
  const stack: PyNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (isKind(n, 'assignment') && n.children.some((c) => c.field === 'type')) {
      const left = n.children.find((c) => c.field === 'left');
      if (isKind(n.parent, 'assignment') || (left && !isKindIn(left, ANNOTATABLE))) return n;
    }
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return null;
}
