import type { PyExpr, PyStmt } from '../cfg/index.js';
import { isKind } from '../parse/node-kind.js';
import type { SourceFile } from '../parse/syntax-node.js';
import { renderNode, renderRange, type RenderOptions } from './source-range.js';

/**
 * The mutable types of the value encoding (`ir` values, kernel `values.py`): an augmented
 * assignment may change such a value in place, and a value read before a hop is a copy
 * after it, so it is read again. Every other encodable value (numbers, `str`, `bytes`,
 * `tuple`, `frozenset`, `date`/`datetime`/`time`/`timedelta`, `Decimal`, `UUID`, enum
 * members, entity references) is immutable: Python adds to the value read first.
 * Listing the mutable ones (all builtins) keeps the check free of imports.
 */
const MUTABLE_TYPES = '(list, dict, set, bytearray)';

/** Turns the cfg stage's code (see `cfg/code.ts`) into Python text for one method. */
export class PythonCode {
  constructor(
    private readonly file: SourceFile,
    private readonly manglePrefix: string | null,
  ) {}

  /** An expression, on one line unless it copies multi-line user source. */
  expr(e: PyExpr): string {
    switch (e.kind) {
      case 'Name':
        return e.name;
      case 'Source': {
        const text = renderNode(this.file, e.node, this.options(e.replacements));
        return e.asValue && isKind(e.node, 'expression_list') ? `(${text})` : text;
      }
      case 'None':
        return 'None';
      case 'Int':
        return String(e.value);
      case 'Str':
        return pyStr(e.value);
      case 'Empty':
        return e.of === 'list' ? '[]' : e.of === 'set' ? 'set()' : '{}';
      case 'Tuple':
        return e.items.length === 1 ? `(${this.expr(e.items[0]!)},)` : `(${e.items.map((x) => this.expr(x)).join(', ')})`;
      case 'Call':
        return `${e.fn}(${e.args.map((x) => this.expr(x)).join(', ')})`;
      case 'Subscript':
        return `${this.expr(e.value)}[${this.expr(e.index)}]`;
      case 'Compare':
        return `${this.expr(e.left)} ${e.op} ${this.expr(e.right)}`;
      case 'Not':
        return `not ${this.expr(e.operand)}`;
    }
  }

  /** A statement at `indent`: its first line starts with it, continuation lines of user code move to it. */
  stmt(s: PyStmt, indent: string): string {
    return indent + this.stmtText(s, indent);
  }

  private stmtText(s: PyStmt, indent: string): string {
    switch (s.kind) {
      case 'SourceStatement':
        return renderNode(this.file, s.node, this.options(s.replacements, s.reindent ? { fromCol: s.node.startCol, indent } : undefined));
      case 'SourceIf':
        return 'if ' + renderRange(this.file, s.node, s.from.start, s.node.end, this.options(s.replacements, { fromCol: s.node.startCol, indent }));
      case 'Assign':
        return `${this.expr(s.target)} = ${this.expr(s.value)}`;
      case 'AugAssign':
        return `${this.expr(s.target)} ${s.op} ${this.expr(s.value)}`;
      case 'RereadIfMutable':
        return `if type(${s.name}) in ${MUTABLE_TYPES}: ${s.name} = ${this.expr(s.target)}`;
      case 'Raise':
        return `raise ${this.expr(s.value)}`;
      case 'Unbind':
        return `${s.name} = None; del ${s.name}`;
      case 'AddTo':
        return `${s.collection}.${s.of === 'set' ? 'add' : 'append'}(${this.expr(s.value)})`;
    }
  }

  private options(replacements: RenderOptions['replacements'], reindent?: RenderOptions['reindent']): RenderOptions {
    const o: RenderOptions = { replacements, rewriteReturns: true, manglePrefix: this.manglePrefix };
    if (reindent) o.reindent = reindent;
    return o;
  }
}

/** A Python string literal for an identifier-like value. */
export function pyStr(s: string): string {
  if (/^\w*$/.test(s)) return `'${s}'`;
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
