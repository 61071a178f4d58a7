import type { Diagnostic, Loc } from '@stateflow/ir';
import { makeDiagnostic } from '../diagnostics/define.js';
import { CfgDiagnostics } from '../diagnostics/cfg.js';
import type { EntityModel, MethodModel, RemoteSite } from '../lower/index.js';
import { fieldOf, namedChildren, spanOf, textOf, walk, type PyNode, type SourceFile } from '../parse/syntax-node.js';
import type { CallArgs, CfgBlock, CfgTerminator, CodeItem, MethodCfg } from './model.js';
import { bindingNames, targetNames, usesOf } from './names.js';
import { threadJumps } from './simplify.js';
import { manglePrefixOf, renderNode, renderRange, type RenderOptions } from './render.js';

const INDENT = '    ';
const NESTED_SCOPES = new Set(['function_definition', 'class_definition', 'lambda']);
const TRIVIAL = new Set(['identifier', 'integer', 'float', 'true', 'false', 'none', 'ellipsis']);

/** The per-statement state of hoisting: the open block and the temporaries so far. */
interface StmtState {
  cur: CfgBlock;
  reps: Map<PyNode, string>;
}

/** An operand in Python evaluation order; `late` operands are never hoisted (callees). */
interface Operand {
  node: PyNode;
  late?: boolean;
}

/**
 * Builds the block graph of one split method: straight-line local code, cut at every
 * remote interaction (hoisted into temporaries `__sf_t<n>` in evaluation order) and at
 * every `if` whose branches interact remotely.
 */
export class CfgBuilder {
  private readonly blocks: CfgBlock[] = [];
  private readonly sites = new Map<PyNode, RemoteSite>();
  /** Nodes that contain a remote site (the sites included). */
  private readonly remote = new Set<PyNode>();
  private readonly locals: Set<string>;
  private readonly prefix: string | null;
  private temps = 0;

  constructor(
    private readonly file: SourceFile,
    entity: EntityModel,
    private readonly method: MethodModel,
    private readonly diagnostics: Diagnostic[],
  ) {
    this.prefix = manglePrefixOf(entity.name);
    for (const site of method.sites) {
      this.sites.set(site.node, site);
      for (let n: PyNode | null = site.node; n && n !== method.node && !this.remote.has(n); n = n.parent) {
        this.remote.add(n);
      }
    }
    const body = fieldOf(method.node, 'body')!;
    this.locals = new Set([...method.params.map((p) => p.name), ...bindingNames(file, body, this.prefix)]);
  }

  /** Builds the graph, or returns null after reporting a diagnostic. */
  build(entity: EntityModel): MethodCfg | null {
    const before = this.diagnostics.length;
    const entry = this.newBlock();
    const body = fieldOf(this.method.node, 'body')!;
    const end = this.lowerStatements(namedChildren(body), entry);
    if (end) end.terminator = { kind: 'Return', value: null, uses: [], loc: 'synthetic' };
    if (this.diagnostics.length !== before) return null;
    return {
      entity: entity.name,
      method: this.method.name,
      selfName: this.method.selfName!,
      params: this.method.params.map((p) => p.name),
      blocks: threadJumps(this.blocks),
    };
  }

  private newBlock(): CfgBlock {
    const block: CfgBlock = { index: this.blocks.length, items: [], mayReturn: false, terminator: null, loc: 'synthetic' };
    this.blocks.push(block);
    return block;
  }

  private newTemp(): string {
    const name = `__sf_t${this.temps++}`;
    this.locals.add(name);
    return name;
  }

  private touch(block: CfgBlock, node: PyNode): void {
    const span = spanOf(this.file, node);
    if (block.loc === 'synthetic') block.loc = span;
    else if (span.endLine > block.loc.endLine || (span.endLine === block.loc.endLine && span.endColumn > block.loc.endColumn)) {
      block.loc = { ...block.loc, endLine: span.endLine, endColumn: span.endColumn };
    }
  }

  private opts(reps: ReadonlyMap<PyNode, string>, reindentFrom?: number): RenderOptions {
    const o: RenderOptions = { replacements: reps, rewriteReturns: true, manglePrefix: this.prefix };
    if (reindentFrom !== undefined) o.reindent = { fromCol: reindentFrom, indent: INDENT };
    return o;
  }

  private render(node: PyNode, reps: ReadonlyMap<PyNode, string>): string {
    return renderNode(this.file, node, this.opts(reps));
  }

  private uses(nodes: (PyNode | null)[], reps: ReadonlyMap<PyNode, string>): string[] {
    const out = new Set<string>();
    for (const n of nodes) if (n) usesOf(this.file, n, reps, this.prefix, this.locals, out);
    return [...out];
  }

  private lowerStatements(stmts: PyNode[], cur: CfgBlock): CfgBlock | null {
    let block: CfgBlock | null = cur;
    for (const s of stmts) {
      block = this.lowerStatement(s, block);
      // Statements after a return on every path are dead code: nothing to emit.
      if (!block) return null;
    }
    return block;
  }

  private lowerStatement(s: PyNode, cur: CfgBlock): CfgBlock | null {
    if (s.type === 'if_statement' && this.remote.has(s)) return this.lowerIf(s, cur);
    this.touch(cur, s);
    const none = new Map<PyNode, string>();
    if (!this.remote.has(s)) {
      if (s.type === 'return_statement') {
        const value = namedChildren(s)[0] ?? null;
        cur.terminator = {
          kind: 'Return',
          value: value ? returnValue(value, this.render(value, none)) : null,
          uses: this.uses([value], none),
          loc: spanOf(this.file, s),
        };
        return null;
      }
      cur.items.push({
        text: INDENT + renderRange(this.file, s, s.start, s.end, this.opts(none, s.startCol)),
        uses: this.uses([s], none),
        defs: bindingNames(this.file, s, this.prefix),
        kills: this.kills(s),
      });
      if (containsReturn(s)) cur.mayReturn = true;
      return cur;
    }
    if (s.type !== 'if_statement' && containsWalrus(s)) {
      this.diagnostics.push(makeDiagnostic(CfgDiagnostics.WalrusInSplitStatement, {}, spanOf(this.file, s)));
      return cur;
    }
    const st: StmtState = { cur, reps: new Map() };
    switch (s.type) {
      case 'expression_statement': {
        const expr = namedChildren(s)[0]!;
        if (expr.type === 'assignment') {
          let rhs = fieldOf(expr, 'right')!;
          while (rhs.type === 'assignment') rhs = fieldOf(rhs, 'right')!;
          this.hoistOperands([{ node: rhs }], st);
        } else if (expr.type === 'augmented_assignment') {
          this.hoistOperands([{ node: fieldOf(expr, 'right')! }], st);
        } else {
          this.hoistOperands([{ node: expr }], st);
        }
        this.touch(st.cur, s);
        // A bare remote call as a statement leaves nothing to run afterwards.
        if (!st.reps.has(expr)) this.pushSimple(st, s);
        return st.cur;
      }
      case 'raise_statement':
        this.hoistOperands(namedChildren(s).map((node) => ({ node })), st);
        this.touch(st.cur, s);
        this.pushSimple(st, s);
        return st.cur;
      case 'return_statement': {
        const value = namedChildren(s)[0]!;
        this.hoistOperands([{ node: value }], st);
        this.touch(st.cur, s);
        st.cur.terminator = {
          kind: 'Return',
          value: returnValue(value, this.render(value, st.reps)),
          uses: this.uses([value], st.reps),
          loc: spanOf(this.file, s),
        };
        return null;
      }
      case 'if_statement':
        return this.lowerIf(s, cur);
      default:
        // checkSplitMethod rejects every other statement kind before we get here.
        throw new Error(`unexpected statement with remote interaction: ${s.type}`);
    }
  }

  private pushSimple(st: StmtState, s: PyNode): void {
    st.cur.items.push({
      text: INDENT + this.render(s, st.reps),
      uses: this.uses([s], st.reps),
      defs: bindingNames(this.file, s, this.prefix),
      kills: this.kills(s),
    });
  }

  /** Names a simple assignment certainly binds. Compound statements kill nothing. */
  private kills(s: PyNode): string[] {
    if (s.type !== 'expression_statement') return [];
    const out: string[] = [];
    let expr: PyNode | null = namedChildren(s)[0] ?? null;
    while (expr && expr.type === 'assignment') {
      const left = fieldOf(expr, 'left');
      if (left) targetNames(this.file, left, this.prefix, out);
      expr = fieldOf(expr, 'right');
    }
    return out;
  }

  private lowerIf(s: PyNode, cur: CfgBlock): CfgBlock | null {
    const clauses: { cond: PyNode | null; body: PyNode }[] = [
      { cond: fieldOf(s, 'condition'), body: fieldOf(s, 'consequence')! },
    ];
    for (const alt of s.children.filter((c) => c.field === 'alternative')) {
      if (alt.type === 'elif_clause') clauses.push({ cond: fieldOf(alt, 'condition'), body: fieldOf(alt, 'consequence')! });
      else clauses.push({ cond: null, body: fieldOf(alt, 'body')! });
    }
    return this.lowerIfChain(s, clauses, 0, cur);
  }

  private lowerIfChain(
    s: PyNode,
    clauses: { cond: PyNode | null; body: PyNode }[],
    k: number,
    cur: CfgBlock,
  ): CfgBlock | null {
    const clause = clauses[k]!;
    const cond = clause.cond!;
    const rest = clauses.slice(k + 1);
    const branchesRemote =
      this.remote.has(clause.body) || rest.some((r) => (r.cond && this.remote.has(r.cond)) || this.remote.has(r.body));
    this.touch(cur, cond);
    const st: StmtState = { cur, reps: new Map() };
    if (this.remote.has(cond) && containsWalrus(cond)) {
      this.diagnostics.push(makeDiagnostic(CfgDiagnostics.WalrusInSplitStatement, {}, spanOf(this.file, cond)));
    } else if (this.remote.has(cond)) {
      this.hoistOperands([{ node: cond }], st);
    }
    this.touch(st.cur, cond);

    if (!branchesRemote) {
      // The rest of the chain is local: emit it as one `if` statement.
      const parts = [cond, clause.body, ...rest.flatMap((r) => (r.cond ? [r.cond, r.body] : [r.body]))];
      st.cur.items.push({
        text: INDENT + 'if ' + renderRange(this.file, s, cond.start, s.end, this.opts(st.reps, s.startCol)),
        uses: this.uses(parts, st.reps),
        defs: parts.flatMap((p) => bindingNames(this.file, p, this.prefix)),
        kills: [],
      });
      this.touch(st.cur, parts[parts.length - 1]!);
      if (parts.some(containsReturn)) st.cur.mayReturn = true;
      return st.cur;
    }

    const branch: CfgTerminator & { kind: 'Branch' } = {
      kind: 'Branch',
      condition: this.render(cond, st.reps),
      ifTrue: -1,
      ifFalse: -1,
      uses: this.uses([cond], st.reps),
      loc: spanOf(this.file, cond),
    };
    st.cur.terminator = branch;
    const t = this.newBlock();
    branch.ifTrue = t.index;
    const tEnd = this.lowerStatements(namedChildren(clause.body), t);
    const next = rest[0];
    let fEnd: CfgBlock | null = null;
    if (next) {
      const f = this.newBlock();
      branch.ifFalse = f.index;
      fEnd = next.cond ? this.lowerIfChain(s, clauses, k + 1, f) : this.lowerStatements(namedChildren(next.body), f);
      if (!tEnd && !fEnd) return null;
    }
    const join = this.newBlock();
    if (!next) branch.ifFalse = join.index;
    for (const end of [tEnd, fEnd]) {
      if (end) end.terminator = { kind: 'Jump', target: join.index, uses: [], loc: 'synthetic' };
    }
    return join;
  }

  /** Evaluates operands in order: remote ones are hoisted, and so is anything before them that could observe state. */
  private hoistOperands(ops: Operand[], st: StmtState): void {
    let lastRemote = -1;
    ops.forEach((o, i) => {
      if (this.remote.has(o.node)) lastRemote = i;
    });
    ops.forEach((o, i) => {
      if (this.remote.has(o.node)) {
        this.hoistInto(o.node, st);
      } else if (i < lastRemote && !o.late && !isTrivial(o.node)) {
        if (containsWalrus(o.node)) {
          this.diagnostics.push(makeDiagnostic(CfgDiagnostics.WalrusInSplitStatement, {}, spanOf(this.file, o.node)));
          return;
        }
        const temp = this.newTemp();
        st.cur.items.push({
          text: `${INDENT}${temp} = ${this.render(o.node, st.reps)}`,
          uses: this.uses([o.node], st.reps),
          defs: [temp],
          kills: [temp],
        });
        st.reps.set(o.node, temp);
      }
    });
  }

  private hoistInto(node: PyNode, st: StmtState): void {
    if (node.type === 'named_expression') {
      this.diagnostics.push(makeDiagnostic(CfgDiagnostics.WalrusInSplitStatement, {}, spanOf(this.file, node)));
      return;
    }
    const site = this.sites.get(node);
    if (!site) {
      this.hoistOperands(evaluationOrder(node), st);
      return;
    }
    const loc: Loc = spanOf(this.file, node);
    let term: CfgTerminator;
    const resume = -1;
    if (site.kind === 'ReadAttr') {
      this.hoistOperands([{ node: site.receiver }], st);
      term = {
        kind: 'ReadAttr',
        entity: site.entity,
        attr: site.attr,
        receiver: this.render(site.receiver, st.reps),
        resume,
        resultVar: '',
        uses: this.uses([site.receiver], st.reps),
        loc,
      };
    } else {
      const argOps = argumentOperands(site.args);
      if (site.kind === 'Invoke') {
        this.hoistOperands([{ node: site.receiver }, ...argOps], st);
      } else {
        this.hoistOperands(argOps, st);
      }
      const call = this.callArgs(site.args, st.reps);
      const uses = this.uses(site.kind === 'Invoke' ? [site.receiver, site.args] : [site.args], st.reps);
      const common = { resume, resultVar: '', uses, loc, ...call };
      if (site.kind === 'Invoke') {
        term = { kind: 'Invoke', entity: site.entity, method: site.method, receiver: this.render(site.receiver, st.reps), ...common };
      } else if (site.kind === 'Create') {
        term = { kind: 'Create', entity: site.entity, ...common };
      } else {
        term = { kind: 'InvokeSelf', method: site.method, ...common };
      }
    }
    const temp = this.newTemp();
    term.resultVar = temp;
    st.cur.terminator = term;
    const next = this.newBlock();
    term.resume = next.index;
    st.cur = next;
    st.reps.set(node, temp);
  }

  private callArgs(args: PyNode, reps: ReadonlyMap<PyNode, string>): CallArgs {
    const out: CallArgs = { args: [], kwargs: [] };
    if (args.type !== 'argument_list') {
      out.args.push(this.render(args, reps));
      return out;
    }
    for (const a of namedChildren(args)) {
      if (a.type === 'keyword_argument') {
        out.kwargs.push([textOf(this.file, fieldOf(a, 'name')!), this.render(fieldOf(a, 'value')!, reps)]);
      } else {
        out.args.push(this.render(a, reps));
      }
    }
    return out;
  }
}

function argumentOperands(args: PyNode): Operand[] {
  if (args.type !== 'argument_list') return [{ node: args }];
  return namedChildren(args).map((a) => ({ node: a.type === 'keyword_argument' ? fieldOf(a, 'value')! : a }));
}

/** Sub-expressions of `node` in the order Python evaluates them. */
function evaluationOrder(node: PyNode): Operand[] {
  switch (node.type) {
    case 'call': {
      const fn = fieldOf(node, 'function')!;
      // The callee (a bound method lookup) is not a value worth carrying: evaluate it late.
      return [{ node: fn, late: true }, ...argumentOperands(fieldOf(node, 'arguments')!)];
    }
    case 'attribute':
      return [{ node: fieldOf(node, 'object')! }];
    case 'keyword_argument':
      return [{ node: fieldOf(node, 'value')! }];
    default:
      return namedChildren(node).map((n) => ({ node: n }));
  }
}

function isTrivial(node: PyNode): boolean {
  if (TRIVIAL.has(node.type)) return true;
  if (node.type === 'string') return !node.children.some((c) => c.type === 'interpolation');
  if (node.type === 'concatenated_string') return node.children.every(isTrivial);
  if (node.type === 'unary_operator') {
    const arg = fieldOf(node, 'argument');
    return !!arg && (arg.type === 'integer' || arg.type === 'float');
  }
  // Tokens inside strings and similar leaves.
  return !node.children.some((c) => c.named);
}

function containsReturn(node: PyNode): boolean {
  let found = false;
  walk(node, (n) => {
    if (found || NESTED_SCOPES.has(n.type)) return false;
    if (n.type === 'return_statement') found = true;
    return !found;
  });
  return found;
}

function containsWalrus(node: PyNode): boolean {
  let found = false;
  walk(node, (n) => {
    if (found || NESTED_SCOPES.has(n.type)) return false;
    if (n.type === 'named_expression') found = true;
    return !found;
  });
  return found;
}

/** A return value as one expression: `return a, b` returns a tuple. */
function returnValue(node: PyNode, text: string): string {
  return node.type === 'expression_list' ? `(${text})` : text;
}
