import type { PyNode } from '../parse/syntax-node.js';

/*
 * Python code as data: what the cfg stage puts into blocks and terminators. Nothing here
 * is text yet; `emit/python-code.ts` renders it (as CPython's flow graph holds
 * instructions and the assembler writes bytes). User code stays a reference into the
 * syntax tree plus the temporaries that replace its hoisted sub-expressions.
 */

/** Hoisted sub-expressions and the temporaries holding their values, at one point of a statement. */
export type Replacements = ReadonlyMap<PyNode, string>;

/** An expression. */
export type PyExpr =
  /** A local variable or temporary, already mangled: `total`, `__sf_t0`. */
  | { kind: 'Name'; name: string }
  /**
   * The user's source of `node` with hoisted parts replaced: `amount * __sf_t0`.
   * `asValue`: a bare tuple (`return a, b`) is parenthesized to be one value.
   */
  | { kind: 'Source'; node: PyNode; replacements: Replacements; asValue?: boolean }
  /** `None` */
  | { kind: 'None' }
  /** `0` */
  | { kind: 'Int'; value: number }
  /** `'raise'` */
  | { kind: 'Str'; value: string }
  /** `[]`, `set()`, `{}` */
  | { kind: 'Empty'; of: 'list' | 'set' | 'dict' }
  /** `('return', v)`, `('break',)` */
  | { kind: 'Tuple'; items: PyExpr[] }
  /** A call of a builtin: `list(xs)`, `len(__sf_it0)`, `isinstance(__sf_e0, KeyError)` */
  | { kind: 'Call'; fn: 'list' | 'len' | 'isinstance'; args: PyExpr[] }
  /** `__sf_it0[__sf_i1]` */
  | { kind: 'Subscript'; value: PyExpr; index: PyExpr }
  /** `__sf_i1 < len(__sf_it0)`; `op` as Python spells it (`<`, `is`, `not in`). */
  | { kind: 'Compare'; left: PyExpr; op: string; right: PyExpr }
  /** `not __sf_t2` */
  | { kind: 'Not'; operand: PyExpr };

/** A line (or, for user statements, lines) of block code. */
export type PyStmt =
  /**
   * A user statement, with temporaries, `return x` → `return ('return', x)` and private
   * names mangled. `reindent`: its continuation lines move to the block's indentation
   * (compound statements); otherwise they are copied as they are (inside brackets).
   */
  | { kind: 'SourceStatement'; node: PyNode; replacements: Replacements; reindent: boolean }
  /** The local rest of an `if`/`elif` chain, from the condition `from` on: `if c: ... else: ...`. */
  | { kind: 'SourceIf'; node: PyNode; from: PyNode; replacements: Replacements }
  /** `target = value` */
  | { kind: 'Assign'; target: PyExpr; value: PyExpr }
  /** `target += value`; `op` as written (`+=`, `//=`). */
  | { kind: 'AugAssign'; target: PyExpr; op: string; value: PyExpr }
  /**
   * `if type(v) in (list, dict, set, bytearray): v = target`: a mutable value read before a
   * hop cannot keep its identity across it, so it is read again (immutable ones are what
   * Python uses).
   */
  | { kind: 'RereadIfMutable'; name: string; target: PyExpr }
  /** `raise value` */
  | { kind: 'Raise'; value: PyExpr }
  /** `e = None; del e`: leaving `except ... as e` unbinds `e`, as in Python. */
  | { kind: 'Unbind'; name: string }
  /** `items.append(v)` / `seen.add(v)`: one element of a comprehension. */
  | { kind: 'AddTo'; collection: string; of: 'list' | 'set'; value: PyExpr };

/** `name` as an expression. */
export function nameExpr(name: string): PyExpr {
  return { kind: 'Name', name };
}
