import type { Loc } from './source-span.js';
import type { TypeRef } from './type-ref.js';
import type { IR_VERSION } from './version.js';

/** Identifies a block inside one method, e.g. `b0`. */
export type BlockId = string;
/** A Python local variable name. */
export type VarName = string;

/**
 * A whole compiled program: the entity classes and the Python module that holds
 * the user's code plus one generated function per block of every split method.
 */
export interface Program {
  kind: 'Program';
  irVersion: typeof IR_VERSION | string;
  module: PythonModule;
  entities: EntityClass[];
}

/**
 * The compiled Python module. `source` is the user's source, unchanged, followed by
 * the generated block functions, so line numbers of user code stay valid. The kernel
 * executes it with a `stateflow` shim module importable (`from stateflow import stateflow`).
 */
export interface PythonModule {
  kind: 'PythonModule';
  /** Module name the kernel registers it under, e.g. `app`. */
  name: string;
  /** Path of the original file, for messages. */
  path: string;
  source: string;
}

/** A `@stateflow` class: one keyed operator in the dataflow graph. Python: `@stateflow class Item: ...` */
export interface EntityClass {
  kind: 'EntityClass';
  name: string;
  loc: Loc;
  /** How the partition key is computed: always `__key__()` on the instance. Keys travel as `str(key)`. */
  key: { method: '__key__'; type: TypeRef };
  fields: Field[];
  /** The constructor (`__init__`), run where the instance is created, before its key is known. */
  init: Method;
  /**
   * Every method except dunder methods (`__init__`, `__key__`, ...). Names starting
   * with `_` are private: reachable through `self` calls only, never from clients.
   */
  methods: Method[];
}

/** A state field, found from `self.x = ...` / `self.x: T = ...`. Python: `self.stock: int = 0` */
export interface Field {
  kind: 'Field';
  name: string;
  type: TypeRef;
  loc: Loc;
}

/** A method parameter (without `self`). Python: `amount: int = 1` */
export interface Param {
  kind: 'Param';
  name: string;
  type: TypeRef;
  /** Python source text of the default value, if any. */
  default?: string;
  /** `*args` / `**kwargs` / keyword-only are recorded so clients can bind correctly. */
  mode: 'positional-or-keyword' | 'keyword-only' | 'var-positional' | 'var-keyword';
  loc: Loc;
}

/** A method of an entity class. */
export interface Method {
  kind: 'Method';
  name: string;
  params: Param[];
  returns: TypeRef;
  /** Whether the method may assign state (`self.x = ...`, including through split self-calls). */
  writes: boolean;
  loc: Loc;
  body: SimpleBody | SplitBody;
}

/** A method without remote interactions: the kernel calls the Python method as written. */
export interface SimpleBody {
  kind: 'SimpleBody';
}

/**
 * A method split at its remote interactions into a state machine of blocks.
 * Python: a method containing `p = item.price` becomes `b0` (up to the read) and `b1` (after it).
 */
export interface SplitBody {
  kind: 'SplitBody';
  entry: BlockId;
  blocks: Block[];
}

/**
 * A straight run of local Python code ending in one terminator. `function` names a
 * module-level Python function `def f(self, env)` (see the calling convention in the
 * package README) whose `env` holds exactly the variables in `params`.
 */
export interface Block {
  kind: 'Block';
  id: BlockId;
  function: string;
  /** Live-in variables: the only ones carried into this block. */
  params: VarName[];
  /** Local code of this block may `return` before reaching the terminator. */
  mayReturn: boolean;
  /**
   * Since IR 0.2.1: the block's own code never uses `self`, and its terminator is
   * `Return`, `Jump` or `Branch`, so any instance can run it, given its env. Set only
   * when true. A kernel may then run a caller's resume block where the callee's value
   * was produced instead of sending a `Reply` back (see {@link ResponseEvent.origin});
   * a reader that ignores the flag runs the program exactly as before.
   */
  detached?: true;
  terminator: Terminator;
  loc: Loc;
}

/** Ends the method with a value. Python: `return ok` */
export interface ReturnTerminator {
  kind: 'Return';
  loc: Loc;
}

/** Continues at one block. Python: the join after an `if` whose branches made remote calls. */
export interface JumpTerminator {
  kind: 'Jump';
  target: BlockId;
  live: VarName[];
  loc: Loc;
}

/** Continues at one of two blocks chosen by a local condition. Python: `if price > self.balance:` */
export interface BranchTerminator {
  kind: 'Branch';
  ifTrue: BlockId;
  ifFalse: BlockId;
  live: VarName[];
  loc: Loc;
}

/** Fields shared by the terminators that wait for a value and resume. */
export interface ResumingTerminator {
  /** Block that continues when the result arrives. */
  resume: BlockId;
  /** Variable the result is bound to in `resume` (often a compiler temporary `__sf_t0`). */
  resultVar: VarName;
  /**
   * Variables carried to `resume` (liveness analysis), not counting `resultVar`. When
   * `onError` is set, also those the handler block takes (minus `errorVar`).
   */
  live: VarName[];
  /**
   * Since IR 0.2: the block that continues when the interaction fails (the remote method
   * raised, or a system error such as `EntityExists`). The kernel binds the rebuilt
   * exception to `errorVar` and runs this block instead of `resume`. Absent: the error
   * fails this method too and propagates to its caller. Python: the `except` dispatch of
   * the `try` around `item.update_stock(-1)`.
   */
  onError?: BlockId;
  /** Since IR 0.2: variable the exception is bound to in `onError` (set exactly when `onError` is). */
  errorVar?: VarName;
  loc: Loc;
}

/** Calls a method of another entity. Python: `item.update_stock(-amount)` */
export interface InvokeTerminator extends ResumingTerminator {
  kind: 'Invoke';
  /** Entity class of the target, from the annotation. */
  entity: string;
  method: string;
}

/** Reads an attribute of another entity. Python: `p = item.price` */
export interface ReadAttrTerminator extends ResumingTerminator {
  kind: 'ReadAttr';
  entity: string;
  attr: string;
}

/** Calls a split method of the same instance, in the same hop. Python: `self.pay(item)` */
export interface InvokeSelfTerminator extends ResumingTerminator {
  kind: 'InvokeSelf';
  method: string;
}

/** Creates an entity; the result is a reference to it. Python: `child = Node(name, 1)` */
export interface CreateTerminator extends ResumingTerminator {
  kind: 'Create';
  entity: string;
}

/** How a {@link Block} ends: return, jump, branch, or a remote step that resumes in another block. */
export type Terminator =
  | ReturnTerminator
  | JumpTerminator
  | BranchTerminator
  | InvokeTerminator
  | ReadAttrTerminator
  | InvokeSelfTerminator
  | CreateTerminator;

/** The `kind` of a {@link Terminator}. */
export type TerminatorKind = Terminator['kind'];
