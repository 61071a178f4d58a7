import type { Loc } from '@stateflow/ir';
import type { PyExpr, PyStmt } from './code.js';

/** A piece of local Python code in a block, with the variables it reads and binds. */
export interface CodeItem {
  /** The code, rendered by the emit stage. */
  code: PyStmt;
  /** Local variables it may read. */
  uses: string[];
  /** Local variables it may bind. */
  defs: string[];
  /** Local variables it certainly binds (kills liveness, makes them definitely bound). */
  kills: string[];
  /** Local variables it certainly unbinds (`del e` after `except ... as e`). */
  unbinds?: string[];
}

/** The positional and keyword arguments of a remote call. */
export interface CallArgs {
  args: PyExpr[];
  kwargs: [string, PyExpr][];
}

interface Resuming {
  resume: number;
  resultVar: string;
  uses: string[];
  loc: Loc;
}

/** How a block ends, with operands as Python code. Block targets are indices. */
export type CfgTerminator =
  | { kind: 'Return'; value: PyExpr | null; uses: string[]; loc: Loc }
  | { kind: 'Jump'; target: number; uses: string[]; loc: Loc }
  | { kind: 'Branch'; condition: PyExpr; ifTrue: number; ifFalse: number; uses: string[]; loc: Loc }
  | (Resuming & { kind: 'Invoke'; entity: string; method: string; receiver: PyExpr } & CallArgs)
  | (Resuming & { kind: 'ReadAttr'; entity: string; attr: string; receiver: PyExpr })
  | (Resuming & { kind: 'InvokeSelf'; method: string } & CallArgs)
  | (Resuming & { kind: 'Create'; entity: string } & CallArgs);

/** A block under construction: local code then one terminator. */
export interface CfgBlock {
  index: number;
  items: CodeItem[];
  mayReturn: boolean;
  terminator: CfgTerminator | null;
  loc: Loc;
  /**
   * The handler block an exception raised here goes to (the `except` dispatch or the
   * exceptional entry of a `finally` of the innermost enclosing `try`), or null.
   */
  handler: number | null;
  /** Set on handler blocks: the variable the exception arrives in. */
  catchVar?: string;
}

/** The control flow graph of one split method. Blocks are in topological order. */
export interface MethodCfg {
  entity: string;
  method: string;
  selfName: string;
  /** Private-name mangling prefix of the class (`_User`), or null: block functions live outside it. */
  manglePrefix: string | null;
  /** Parameter names (without self), in order: the entry block's params. */
  params: string[];
  blocks: CfgBlock[];
}
