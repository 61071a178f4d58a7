import type { Diagnostic } from '@stateflow/ir';
import { makeDiagnostic, type DefinedDiagnostic } from '../diagnostics/define.js';
import type { EntityModel, MethodModel, RemoteSite } from '../lower/index.js';
import { isKind } from '../parse/node-kind.js';
import { fieldOf, namedChildren, spanOf, type PyNode, type SourceFile } from '../parse/syntax-node.js';
import type { PyExpr, PyStmt, Replacements } from './code.js';
import type { CfgBlock } from './model.js';
import { bindingNames, manglePrefixOf, targetNames, usesOf } from './names.js';

/** The per-statement state of hoisting: the open block and the temporaries so far. */
export interface StmtState {
  cur: CfgBlock;
  reps: Map<PyNode, string>;
}

/** How `break`, `continue` and `return` leave a construct. */
export type Exit = 'return' | 'break' | 'continue';

/** A construct that `break`, `continue` and `return` leave through. */
export type Scope =
  | { kind: 'loop'; node: PyNode; brk: CfgBlock | null; cont: number }
  | { kind: 'finally'; pending: string; entry: number; actions: Set<Exit> }
  | { kind: 'handler'; name: string };

const NO_REPLACEMENTS: Replacements = new Map();

/**
 * The state shared by the lowering of every construct (statements, loops, try,
 * expressions): the blocks so far, which nodes contain remote interactions, the
 * method's locals, the enclosing handler and the scopes that jumps leave through.
 */
export class MethodBuilder {
  readonly blocks: CfgBlock[] = [];
  readonly sites = new Map<PyNode, RemoteSite>();
  /** Nodes that contain a remote site (the sites included). */
  readonly remote = new Set<PyNode>();
  /** Nodes lowered to blocks: `remote` plus constructs that jump out of a lowered loop or finally. */
  readonly lowered = new Set<PyNode>();
  readonly locals: Set<string>;
  /** The private-name mangling prefix of the class. */
  readonly prefix: string | null;
  /** The handler block of blocks made now (see {@link CfgBlock.handler}). */
  handler: number | null = null;
  readonly scopes: Scope[] = [];
  /**
   * Bare `raise` statements in the `except` clauses of split `try`s and the variable
   * holding the caught exception: in a block function no exception is being handled,
   * so they are rendered as `raise <variable>` (see `emit/source-range.ts`).
   */
  readonly reraises = new Map<PyNode, string>();
  private counter = 0;

  constructor(
    readonly file: SourceFile,
    readonly entity: EntityModel,
    readonly method: MethodModel,
    readonly diagnostics: Diagnostic[],
  ) {
    this.prefix = manglePrefixOf(entity.name);
    for (const site of method.sites) {
      this.sites.set(site.node, site);
      for (let n: PyNode | null = site.node; n && n !== method.node && !this.remote.has(n); n = n.parent) {
        this.remote.add(n);
        this.lowered.add(n);
      }
    }
    this.locals = new Set([...method.params.map((p) => p.name), ...bindingNames(file, this.body, this.prefix)]);
  }

  /** The method's body block. */
  get body(): PyNode {
    return fieldOf(this.method.node, 'body')!;
  }

  newBlock(): CfgBlock {
    const block: CfgBlock = {
      index: this.blocks.length,
      items: [],
      mayReturn: false,
      terminator: null,
      loc: 'synthetic',
      handler: this.handler,
    };
    this.blocks.push(block);
    return block;
  }

  /** A number unique within the method, for the names of a construct's variables. */
  nextId(): number {
    return this.counter++;
  }

  /** A fresh local: `__sf_t<n>` (temporaries), `__sf_it<n>`, `__sf_i<n>` (loops). */
  newTemp(kind = 't'): string {
    const name = `__sf_${kind}${this.nextId()}`;
    this.locals.add(name);
    return name;
  }

  /** Extends the source span of `block` to cover `node`. */
  touch(block: CfgBlock, node: PyNode): void {
    const span = spanOf(this.file, node);
    if (block.loc === 'synthetic') block.loc = span;
    else if (span.endLine > block.loc.endLine || (span.endLine === block.loc.endLine && span.endColumn > block.loc.endColumn)) {
      block.loc = { ...block.loc, endLine: span.endLine, endColumn: span.endColumn };
    }
  }

  /** Appends synthetic code to `block`; it reads `uses` (those that are locals), may bind `defs`, surely binds `kills`. */
  add(block: CfgBlock, code: PyStmt, uses: string[], defs: string[] = [], kills: string[] = defs): void {
    block.items.push({ code, uses: uses.filter((u) => this.locals.has(u)), defs, kills });
  }

  jump(from: CfgBlock, to: CfgBlock | number): void {
    from.terminator = { kind: 'Jump', target: typeof to === 'number' ? to : to.index, uses: [], loc: 'synthetic' };
  }

  /** The user's source of `node` with the temporaries in `reps` as they are now. */
  source(node: PyNode, reps: Replacements = NO_REPLACEMENTS, asValue = false): PyExpr {
    // A copy: `reps` grows as the statement is hoisted further, the code must not.
    const expr: PyExpr = { kind: 'Source', node, replacements: reps.size === 0 ? NO_REPLACEMENTS : new Map(reps) };
    if (asValue) expr.asValue = true;
    return expr;
  }

  /** `reps` plus the bare `raise` statements to render as re-raising a caught exception. */
  withReraises(reps: Replacements): Replacements {
    if (this.reraises.size === 0) return reps;
    return new Map([...reps, ...this.reraises]);
  }

  /** The locals that `nodes` read, hoisted parts counting as their temporaries. */
  uses(nodes: (PyNode | null)[], reps: Replacements = NO_REPLACEMENTS): string[] {
    const out = new Set<string>();
    for (const n of nodes) if (n) usesOf(this.file, n, reps, this.prefix, this.locals, out);
    return [...out];
  }

  /** Names a statement may bind. */
  defs(node: PyNode): string[] {
    return bindingNames(this.file, node, this.prefix);
  }

  /** Names a simple assignment certainly binds. Compound statements kill nothing. */
  kills(s: PyNode): string[] {
    if (!isKind(s, 'expression_statement')) return [];
    const out: string[] = [];
    let expr: PyNode | null = namedChildren(s)[0] ?? null;
    while (expr && isKind(expr, 'assignment')) {
      const left = fieldOf(expr, 'left');
      if (left) targetNames(this.file, left, this.prefix, out);
      expr = fieldOf(expr, 'right');
    }
    return out;
  }

  report<D>(def: DefinedDiagnostic<D>, details: D, node: PyNode): void {
    this.diagnostics.push(makeDiagnostic(def, details, spanOf(this.file, node)));
  }
}
