import { mangle } from '../cfg/names.js';
import { isKind, isKindIn } from '../parse/node-kind.js';
import { NESTED_SCOPES, namedChildren, type PyNode, type SourceFile } from '../parse/syntax-node.js';

/** How to turn a piece of user source into block code. */
export interface RenderOptions {
  /** Sub-expressions already evaluated into temporaries. */
  replacements: ReadonlyMap<PyNode, string>;
  /** Rewrite `return x` to `return ('return', x)` (not inside nested functions). */
  rewriteReturns: boolean;
  /** Private-name mangling prefix, e.g. `_User` (block functions live outside the class). */
  manglePrefix: string | null;
  /** Move lines from column `fromCol` to `indent` (for multi-line compound statements). */
  reindent?: { fromCol: number; indent: string };
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * Renders the source range [start, end) that lies within `root`, applying temporaries,
 * return rewriting, name mangling and re-indentation. Lines inside multi-line strings
 * are copied unchanged.
 */
export function renderRange(
  file: SourceFile,
  root: PyNode,
  start: number,
  end: number,
  opts: RenderOptions,
): string {
  const edits: Edit[] = [];
  const strings: PyNode[] = [];
  const stack: [PyNode, boolean][] = [[root, false]];
  while (stack.length > 0) {
    const [n, nested] = stack.pop()!;
    if (n.end <= start || n.start >= end) continue;
    const rep = opts.replacements.get(n);
    if (rep !== undefined && n.start >= start && n.end <= end) {
      // `f(x for x in xs)`: the generator is the whole argument list; keep the call's parentheses.
      // A bare `raise` maps to the variable holding the exception it re-raises.
      const text =
        isKind(n, 'generator_expression') && n.field === 'arguments' ? `(${rep})` : isKind(n, 'raise_statement') ? `raise ${rep}` : rep;
      edits.push({ start: n.start, end: n.end, text });
      continue;
    }
    if (isKind(n, 'string') && n.startLine !== n.endLine) strings.push(n);
    if (isKind(n, 'identifier') && opts.manglePrefix) {
      const name = file.text.slice(n.start, n.end);
      const mangled = mangle(name, opts.manglePrefix);
      if (mangled !== name) edits.push({ start: n.start, end: n.end, text: mangled });
    }
    if (opts.rewriteReturns && !nested && isKind(n, 'return_statement')) {
      const value = namedChildren(n)[0];
      if (value) {
        const tuple = isKind(value, 'expression_list');
        edits.push({ start: n.start, end: value.start, text: tuple ? "return ('return', (" : "return ('return', " });
        edits.push({ start: n.end, end: n.end, text: tuple ? '))' : ')' });
      } else {
        edits.push({ start: n.start, end: n.end, text: "return ('return', None)" });
      }
    }
    const inner = nested || isKindIn(n, NESTED_SCOPES);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i]!, inner]);
  }
  edits.sort((a, b) => a.start - b.start || a.end - b.end);

  const out: string[] = [];
  const text = file.text;
  const copy = (from: number, to: number): void => {
    if (!opts.reindent) {
      out.push(text.slice(from, to));
      return;
    }
    const { fromCol, indent } = opts.reindent;
    let pos = from;
    for (;;) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0 || nl >= to) {
        out.push(text.slice(pos, to));
        return;
      }
      out.push(text.slice(pos, nl + 1));
      pos = nl + 1;
      if (strings.some((s) => s.start < nl && nl < s.end)) continue;
      // Strip up to `fromCol` columns of indentation, then indent to the target.
      let k = pos;
      while (k < to && k - pos < fromCol && (text[k] === ' ' || text[k] === '\t')) k++;
      if (k < to && text[k] !== '\n' && text[k] !== '\r') out.push(indent);
      pos = k;
    }
  };
  let pos = start;
  for (const e of edits) {
    if (e.start < pos) continue;
    copy(pos, e.start);
    out.push(e.text);
    pos = e.end;
  }
  copy(pos, end);
  return out.join('');
}

/** Renders a whole node (for expressions: no re-indentation needed inside brackets). */
export function renderNode(file: SourceFile, node: PyNode, opts: RenderOptions): string {
  return renderRange(file, node, node.start, node.end, opts);
}
