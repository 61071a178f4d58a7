import { isKind, isKindIn, kindSet } from '../parse/node-kind.js';
import { fieldOf, namedChildren, textOf, walk, type PyNode, type SourceFile } from '../parse/syntax-node.js';

/** Applies Python's private-name mangling to `name` (`__x` in class `C` → `_C__x`). */
export function mangle(name: string, prefix: string | null): string {
  if (!prefix || !name.startsWith('__') || name.endsWith('__')) return name;
  return prefix + name;
}

/** The mangling prefix of a class: `_` + its name without leading underscores, or null. */
export function manglePrefixOf(className: string): string | null {
  const stripped = className.replace(/^_+/, '');
  return stripped ? `_${stripped}` : null;
}

const PATTERNS = kindSet('pattern_list', 'tuple_pattern', 'list_pattern', 'parenthesized_expression', 'list_splat_pattern', 'tuple', 'list', 'expression_list');

/** Identifier names bound directly by an assignment target (`a`, `a, (b, *c)`). */
export function targetNames(file: SourceFile, target: PyNode, prefix: string | null, out: string[] = []): string[] {
  if (isKind(target, 'identifier')) out.push(mangle(textOf(file, target), prefix));
  else if (isKindIn(target, PATTERNS)) for (const c of namedChildren(target)) targetNames(file, c, prefix, out);
  return out;
}

/**
 * Names a statement may bind in the method's scope: assignment, for, with, except,
 * import and walrus targets, nested def/class names. Nested scopes are not entered.
 */
export function bindingNames(file: SourceFile, stmt: PyNode, prefix: string | null): string[] {
  const out: string[] = [];
  walk(stmt, (n) => {
    switch (n.type) {
      case 'function_definition':
      case 'class_definition': {
        const name = fieldOf(n, 'name');
        if (name) out.push(mangle(textOf(file, name), prefix));
        return false;
      }
      case 'lambda':
      case 'list_comprehension':
      case 'set_comprehension':
      case 'dictionary_comprehension':
      case 'generator_expression':
        return false;
      case 'assignment':
      case 'augmented_assignment':
      case 'for_statement': {
        const left = fieldOf(n, 'left');
        if (left) targetNames(file, left, prefix, out);
        return;
      }
      case 'named_expression': {
        const name = fieldOf(n, 'name');
        if (name) out.push(mangle(textOf(file, name), prefix));
        return;
      }
      case 'as_pattern': {
        const alias = fieldOf(n, 'alias');
        if (alias) targetNames(file, namedChildren(alias)[0] ?? alias, prefix, out);
        return;
      }
      case 'except_clause': {
        // `except E as e`: the name follows `as` (grammar versions differ on the field).
        const kids = n.children;
        const as = kids.findIndex((c) => isKind(c, 'as'));
        const name = as >= 0 ? kids[as + 1] : undefined;
        if (name && isKind(name, 'identifier')) out.push(mangle(textOf(file, name), prefix));
        return;
      }
      case 'import_statement':
      case 'import_from_statement': {
        for (const item of n.children.filter((c) => c.field === 'name')) {
          if (isKind(item, 'aliased_import')) out.push(textOf(file, fieldOf(item, 'alias')!));
          else out.push(textOf(file, item).split('.')[0]!);
        }
        return false;
      }
      case 'delete_statement':
        for (const c of namedChildren(n)) targetNames(file, c, prefix, out);
        return;
    }
  });
  return out;
}

/**
 * Local names a piece of code may read (attribute names and keyword-argument names
 * excluded), with hoisted sub-expressions counting as their temporaries.
 */
export function usesOf(
  file: SourceFile,
  node: PyNode,
  replacements: ReadonlyMap<PyNode, string>,
  prefix: string | null,
  locals: ReadonlySet<string>,
  out: Set<string> = new Set(),
): Set<string> {
  walk(node, (n) => {
    const rep = replacements.get(n);
    if (rep !== undefined) {
      out.add(rep);
      return false;
    }
    if (!isKind(n, 'identifier')) return;
    if (n.field === 'attribute' && isKind(n.parent, 'attribute')) return;
    if (n.field === 'name' && isKind(n.parent, 'keyword_argument')) return;
    if (isStore(n)) return;
    const name = mangle(textOf(file, n), prefix);
    if (locals.has(name)) out.add(name);
  });
  return out;
}

/** Whether an identifier is only written here (`x = ...`, `for x in`, `(x := ...)`), not read. */
function isStore(id: PyNode): boolean {
  let cur = id;
  while (cur.parent && isKindIn(cur.parent, PATTERNS)) cur = cur.parent;
  const p = cur.parent;
  if (!p) return false;
  if (cur.field === 'left' && (isKind(p, 'assignment') || isKind(p, 'for_statement') || isKind(p, 'for_in_clause'))) return true;
  return cur.field === 'name' && isKind(p, 'named_expression');
}
