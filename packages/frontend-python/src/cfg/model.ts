import type { Loc } from '@stateflow/ir';

/** A piece of local Python code in a block, already rendered at block indentation. */
export interface CodeItem {
  /** Python lines, each indented for a block function body, joined by newlines. */
  text: string;
  /** Local variables it may read. */
  uses: string[];
  /** Local variables it may bind. */
  defs: string[];
  /** Local variables it certainly binds (kills liveness, makes them definitely bound). */
  kills: string[];
  /** Local variables it certainly unbinds (`del e` after `except ... as e`). */
  unbinds?: string[];
}

/** A positional or keyword argument of a remote call, as Python source. */
export interface CallArgs {
  args: string[];
  kwargs: [string, string][];
}

interface Resuming {
  resume: number;
  resultVar: string;
  uses: string[];
  loc: Loc;
}

/** How a block ends, with operands as Python source text. Block targets are indices. */
export type CfgTerminator =
  | { kind: 'Return'; value: string | null; uses: string[]; loc: Loc }
  | { kind: 'Jump'; target: number; uses: string[]; loc: Loc }
  | { kind: 'Branch'; condition: string; ifTrue: number; ifFalse: number; uses: string[]; loc: Loc }
  | (Resuming & { kind: 'Invoke'; entity: string; method: string; receiver: string } & CallArgs)
  | (Resuming & { kind: 'ReadAttr'; entity: string; attr: string; receiver: string })
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
  /** Parameter names (without self), in order: the entry block's params. */
  params: string[];
  blocks: CfgBlock[];
}
