import type { Diagnostic, Loc } from '@stateflow/ir';
import { makeDiagnostic } from '../diagnostics/define.js';
import { CfgDiagnostics } from '../diagnostics/cfg.js';
import type { EntityModel, MethodModel, RemoteSite } from '../lower/index.js';
import { NESTED_SCOPES, containsInScope, fieldOf, namedChildren, spanOf, textOf, walk, type PyNode, type SourceFile } from '../parse/syntax-node.js';
import type { CallArgs, CfgBlock, CfgTerminator, CodeItem, MethodCfg } from './model.js';
import { bindingNames, targetNames, usesOf } from './names.js';
import { threadJumps } from './simplify.js';
import { mangle, manglePrefixOf, renderNode, renderRange, type RenderOptions } from './render.js';

const INDENT = '    ';
const TRIVIAL = new Set(['identifier', 'integer', 'float', 'true', 'false', 'none', 'ellipsis']);
/** Syntax inside expressions that is not a value of its own. */
const NOT_VALUES = new Set(['pair', 'slice', 'list_splat', 'dictionary_splat', 'keyword_argument', 'parenthesized_list_splat']);
const LOOPS = new Set(['for_statement', 'while_statement']);
/** Values an augmented assignment cannot change in place: Python adds to the value read first. */
const IMMUTABLE_TYPES = '(int, float, complex, bool, str, bytes, tuple, frozenset, type(None))';
const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);

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

/** A construct that `break`, `continue` and `return` leave through. */
type Scope =
  | { kind: 'loop'; node: PyNode; brk: CfgBlock | null; cont: number }
  | { kind: 'finally'; pending: string; entry: number; actions: Set<'return' | 'break' | 'continue'> }
  | { kind: 'handler'; name: string };

type Exit = 'return' | 'break' | 'continue';

/**
 * Builds the block graph of one split method: straight-line local code, cut at every
 * remote interaction (hoisted into temporaries `__sf_t<n>` in evaluation order) and
 * lowered into branches and loops wherever control flow surrounds one: `if`, `while`,
 * `for` (over a list materialised up front), `try`/`except`/`else`/`finally`,
 * `break`/`continue`/`return`, `and`/`or`, `x if c else y` and comprehensions.
 */
export class CfgBuilder {
  private readonly blocks: CfgBlock[] = [];
  private readonly sites = new Map<PyNode, RemoteSite>();
  /** Nodes that contain a remote site (the sites included). */
  private readonly remote = new Set<PyNode>();
  /** Nodes lowered to blocks: `remote` plus constructs that jump out of a lowered loop or finally. */
  private readonly lowered = new Set<PyNode>();
  private readonly locals: Set<string>;
  private readonly prefix: string | null;
  private temps = 0;
  private handler: number | null = null;
  private readonly scopes: Scope[] = [];

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
        this.lowered.add(n);
      }
    }
    const body = fieldOf(method.node, 'body')!;
    this.locals = new Set([...method.params.map((p) => p.name), ...bindingNames(file, body, this.prefix)]);
    this.markStructural(body);
  }

  /**
   * `break`/`continue` of a lowered loop, and any jump out of a lowered `try` with
   * `finally`, must be lowered too, with every statement around them.
   */
  private markStructural(body: PyNode): void {
    const jumps: PyNode[] = [];
    walk(body, (n) => {
      if (NESTED_SCOPES.has(n.type) || COMPREHENSIONS.has(n.type)) return false;
      if (n.type === 'break_statement' || n.type === 'continue_statement' || n.type === 'return_statement') jumps.push(n);
    });
    const mark = (from: PyNode): void => {
      for (let n: PyNode | null = from; n && n !== body; n = n.parent) this.lowered.add(n);
    };
    for (let changed = true; changed; ) {
      changed = false;
      for (const j of jumps) {
        if (this.lowered.has(j)) continue;
        let need = false;
        let child = j;
        for (let n = j.parent; n && n !== body; child = n, n = n.parent) {
          if (j.type !== 'return_statement' && LOOPS.has(n.type) && child.field !== 'alternative') {
            need = this.lowered.has(n);
            break;
          }
          if (n.type === 'try_statement' && this.lowered.has(n) && child.type !== 'finally_clause' && n.children.some((c) => c.type === 'finally_clause')) {
            need = true;
            break;
          }
        }
        if (need) {
          mark(j);
          changed = true;
        }
      }
    }
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

  private newTemp(kind = 't'): string {
    const name = `__sf_${kind}${this.temps++}`;
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

  /** Indentation of code in `block`: one level deeper inside the `try` of a block with a handler. */
  private ind(block: CfgBlock): string {
    return block.handler !== null ? INDENT + INDENT : INDENT;
  }

  private opts(reps: ReadonlyMap<PyNode, string>, reindentFrom?: number, block?: CfgBlock): RenderOptions {
    const o: RenderOptions = { replacements: reps, rewriteReturns: true, manglePrefix: this.prefix };
    if (reindentFrom !== undefined) o.reindent = { fromCol: reindentFrom, indent: block ? this.ind(block) : INDENT };
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

  /** A synthetic line of block code. */
  private emit(block: CfgBlock, text: string, uses: string[], defs: string[] = [], kills: string[] = defs): void {
    block.items.push({ text: this.ind(block) + text, uses: uses.filter((u) => this.locals.has(u)), defs, kills });
  }

  private jump(from: CfgBlock, to: CfgBlock | number): void {
    from.terminator = { kind: 'Jump', target: typeof to === 'number' ? to : to.index, uses: [], loc: 'synthetic' };
  }

  private lowerStatements(stmts: PyNode[], cur: CfgBlock): CfgBlock | null {
    let block: CfgBlock | null = cur;
    for (const s of stmts) {
      block = this.lowerStatement(s, block);
      // Statements after a return/break/continue on every path are dead code.
      if (!block) return null;
    }
    return block;
  }

  private lowerStatement(s: PyNode, cur: CfgBlock): CfgBlock | null {
    const none = new Map<PyNode, string>();
    if (!this.lowered.has(s)) {
      this.touch(cur, s);
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
        text: this.ind(cur) + renderRange(this.file, s, s.start, s.end, this.opts(none, s.startCol, cur)),
        uses: this.uses([s], none),
        defs: bindingNames(this.file, s, this.prefix),
        kills: this.kills(s),
      });
      if (containsInScope(s, 'return_statement')) cur.mayReturn = true;
      return cur;
    }
    switch (s.type) {
      case 'if_statement':
        return this.lowerIf(s, cur);
      case 'while_statement':
        return this.lowerWhile(s, cur);
      case 'for_statement':
        return this.lowerFor(s, cur);
      case 'try_statement':
        return this.lowerTry(s, cur);
      case 'break_statement':
        this.touch(cur, s);
        return this.exit('break', cur, null, [], s);
      case 'continue_statement':
        this.touch(cur, s);
        return this.exit('continue', cur, null, [], s);
      case 'block':
        return this.lowerStatements(namedChildren(s), cur);
    }
    if (s.type !== 'if_statement' && containsInScope(s, 'named_expression') && this.remote.has(s)) {
      this.diagnostics.push(makeDiagnostic(CfgDiagnostics.WalrusInSplitStatement, {}, spanOf(this.file, s)));
      return cur;
    }
    this.touch(cur, s);
    const st: StmtState = { cur, reps: new Map() };
    switch (s.type) {
      case 'expression_statement': {
        const expr = namedChildren(s)[0]!;
        if (expr.type === 'assignment') {
          let rhs = fieldOf(expr, 'right');
          while (rhs && rhs.type === 'assignment') rhs = fieldOf(rhs, 'right');
          if (rhs) this.hoistOperands([{ node: rhs }], st);
        } else if (expr.type === 'augmented_assignment') {
          const left = fieldOf(expr, 'left')!;
          if (left.type === 'attribute' || left.type === 'subscript') {
            this.lowerAugmentedTarget(s, expr, left, st);
            return st.cur;
          }
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
        const value = namedChildren(s)[0] ?? null;
        if (value) this.hoistOperands([{ node: value }], st);
        this.touch(st.cur, s);
        const text = value ? returnValue(value, this.render(value, st.reps)) : 'None';
        return this.exit('return', st.cur, text, value ? this.uses([value], st.reps) : [], s);
      }
      default:
        // checkSplitMethod rejects remote interactions in other statements; a jump out
        // of a lowered loop through one (say, `with`) ends up here.
        this.diagnostics.push(
          makeDiagnostic(
            CfgDiagnostics.RemoteInUnsupportedStatement,
            { what: 'break, continue or return out of a loop or try with remote interactions', place: `a \`${statementName(s)}\` statement` },
            spanOf(this.file, s),
          ),
        );
        return cur;
    }
  }

  /** Leaves through `break`/`continue`/`return`, running enclosing lowered `finally` bodies first. */
  private exit(kind: Exit, cur: CfgBlock, value: string | null, uses: string[], node: PyNode | null, depth = this.scopes.length): null {
    const loc: Loc = node ? spanOf(this.file, node) : 'synthetic';
    for (let i = depth - 1; i >= 0; i--) {
      const scope = this.scopes[i]!;
      if (scope.kind === 'handler') {
        if (kind === 'return' && value !== null && !/^(None|__sf_\w+(\[1\])?)$/.test(value)) {
          // The value is computed before the clause's name is unbound.
          const temp = this.newTemp();
          this.emit(cur, `${temp} = ${value}`, uses, [temp]);
          value = temp;
          uses = [temp];
        }
        this.unbind(cur, scope.name);
        continue;
      }
      if (scope.kind === 'finally') {
        const text = kind === 'return' ? `('return', ${value ?? 'None'})` : `('${kind}',)`;
        this.emit(cur, `${scope.pending} = ${text}`, kind === 'return' ? uses : [], [scope.pending]);
        scope.actions.add(kind);
        this.jump(cur, scope.entry);
        return null;
      }
      if (kind === 'return') continue;
      if (kind === 'break') {
        if (!scope.brk) {
          const saved = this.handler;
          this.handler = this.blocks[scope.cont]!.handler;
          scope.brk = this.newBlock();
          this.handler = saved;
        }
        this.jump(cur, scope.brk);
      } else {
        this.jump(cur, scope.cont);
      }
      return null;
    }
    cur.terminator = { kind: 'Return', value: kind === 'return' ? value : null, uses, loc };
    return null;
  }

  /** `except E as e` unbinds `e` when its clause is left, as Python does (`e = None; del e`). */
  private unbind(block: CfgBlock, name: string): void {
    block.items.push({ text: `${this.ind(block)}${name} = None; del ${name}`, uses: [], defs: [], kills: [], unbinds: [name] });
  }

  private pushSimple(st: StmtState, s: PyNode): void {
    st.cur.items.push({
      text: this.ind(st.cur) + this.render(s, st.reps),
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

  /**
   * `obj.attr op= <remote>` / `c[i] op= <remote>`: Python evaluates the container and the
   * index, reads the target's current value, then the right side. The value read first is
   * kept in a temporary (immutable values are what Python adds to; a mutable value cannot
   * keep its identity across a hop, so it is read again afterwards), then stored back.
   */
  private lowerAugmentedTarget(s: PyNode, expr: PyNode, left: PyNode, st: StmtState): void {
    const right = fieldOf(expr, 'right')!;
    const op = expr.children.find((c) => c.field === 'operator');
    if (!op || !this.pathOperands(fieldOf(left, left.type === 'attribute' ? 'object' : 'value')!, st)) {
      this.diagnostics.push(
        makeDiagnostic(
          CfgDiagnostics.RemoteInUnsupportedStatement,
          {
            what: 'an augmented assignment with a remote interaction',
            place: 'a target whose container is computed by a call or another expression (only names, attributes and subscripts)',
          },
          spanOf(this.file, left),
        ),
      );
      return;
    }
    if (left.type === 'subscript') {
      for (const index of left.children.filter((c) => c.field === 'subscript')) {
        if (!isTrivial(index)) this.materializeValues(index, st);
      }
    }
    const target = this.render(left, st.reps);
    const targetUses = this.uses([left], st.reps);
    const value = this.newTemp();
    this.emit(st.cur, `${value} = ${target}`, targetUses, [value]);
    this.hoistOperands([{ node: right }], st);
    this.touch(st.cur, s);
    this.emit(st.cur, `if type(${value}) not in ${IMMUTABLE_TYPES}: ${value} = ${target}`, [value, ...targetUses], [value], []);
    this.emit(st.cur, `${value} ${textOf(this.file, op)} ${this.render(right, st.reps)}`, [value, ...this.uses([right], st.reps)], [value]);
    this.emit(st.cur, `${target} = ${value}`, [value, ...targetUses]);
  }

  /**
   * Prepares a container expression (`self`, `self.stats`, `d[k]`) to be evaluated twice,
   * before and after a remote interaction, with the same meaning: its non-trivial indexes
   * are evaluated once, now. False for anything else (a call, an operator, ...).
   */
  private pathOperands(node: PyNode, st: StmtState): boolean {
    if (node.type === 'identifier') return true;
    if (node.type === 'parenthesized_expression' && namedChildren(node).length === 1) return this.pathOperands(namedChildren(node)[0]!, st);
    if (node.type === 'attribute') return this.pathOperands(fieldOf(node, 'object')!, st);
    if (node.type === 'subscript') {
      if (!this.pathOperands(fieldOf(node, 'value')!, st)) return false;
      for (const index of node.children.filter((c) => c.field === 'subscript')) {
        if (!isTrivial(index)) this.materializeValues(index, st);
      }
      return true;
    }
    return false;
  }

  // -- if --------------------------------------------------------------------------

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
    const branchesLowered =
      this.lowered.has(clause.body) || rest.some((r) => (r.cond && this.lowered.has(r.cond)) || this.lowered.has(r.body));
    this.touch(cur, cond);
    const st: StmtState = { cur, reps: new Map() };
    if (this.remote.has(cond) && containsInScope(cond, 'named_expression')) {
      this.diagnostics.push(makeDiagnostic(CfgDiagnostics.WalrusInSplitStatement, {}, spanOf(this.file, cond)));
    } else if (this.remote.has(cond)) {
      this.hoistOperands([{ node: cond }], st);
    }
    this.touch(st.cur, cond);

    if (!branchesLowered) {
      // The rest of the chain is local: emit it as one `if` statement.
      const parts = [cond, clause.body, ...rest.flatMap((r) => (r.cond ? [r.cond, r.body] : [r.body]))];
      st.cur.items.push({
        text: this.ind(st.cur) + 'if ' + renderRange(this.file, s, cond.start, s.end, this.opts(st.reps, s.startCol, st.cur)),
        uses: this.uses(parts, st.reps),
        defs: parts.flatMap((p) => bindingNames(this.file, p, this.prefix)),
        kills: [],
      });
      this.touch(st.cur, parts[parts.length - 1]!);
      if (parts.some((p) => containsInScope(p, 'return_statement'))) st.cur.mayReturn = true;
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
    for (const end of [tEnd, fEnd]) if (end) this.jump(end, join);
    return join;
  }

  // -- loops -----------------------------------------------------------------------

  private lowerWhile(s: PyNode, cur: CfgBlock): CfgBlock | null {
    const cond = fieldOf(s, 'condition')!;
    const body = fieldOf(s, 'body')!;
    const alt = fieldOf(s, 'alternative');
    const header = this.newBlock();
    this.jump(cur, header);
    this.touch(header, cond);
    const st: StmtState = { cur: header, reps: new Map() };
    if (this.remote.has(cond)) {
      if (containsInScope(cond, 'named_expression')) {
        this.diagnostics.push(makeDiagnostic(CfgDiagnostics.WalrusInSplitStatement, {}, spanOf(this.file, cond)));
        return null;
      }
      this.hoistOperands([{ node: cond }], st);
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
    return this.loopBody(s, header.index, branch, body, alt, (b) => b);
  }

  /**
   * `for t in it:` → `__sf_it = list(it)`, `__sf_i = 0`; header: `__sf_i < len(__sf_it)`;
   * body starts with `t = __sf_it[__sf_i]; __sf_i += 1`. The iterable is materialised
   * once, up front, since an iterator cannot travel across a remote call.
   */
  private lowerFor(s: PyNode, cur: CfgBlock): CfgBlock | null {
    const left = fieldOf(s, 'left')!;
    const right = fieldOf(s, 'right')!;
    const body = fieldOf(s, 'body')!;
    const alt = fieldOf(s, 'alternative');
    if (s.children.some((c) => c.type === 'async')) {
      this.diagnostics.push(
        makeDiagnostic(CfgDiagnostics.RemoteInUnsupportedStatement, { what: 'a remote interaction', place: 'an `async for` loop' }, spanOf(this.file, s)),
      );
      return null;
    }
    this.touch(cur, right);
    const st: StmtState = { cur, reps: new Map() };
    if (this.remote.has(right)) this.hoistOperands([{ node: right }], st);
    const iterText = this.render(right, st.reps);
    const iterUses = this.uses([right], st.reps);
    const targetText = renderNode(this.file, left, this.opts(new Map()));
    const targetDefs = bindingNames(this.file, left, this.prefix).concat(targetNames(this.file, left, this.prefix));
    const targetUses = this.uses([left], new Map());
    return this.forLoop(st.cur, iterText, iterUses, targetText, [...new Set(targetDefs)], targetUses, s, body, alt, (b) => b);
  }

  private forLoop(
    cur: CfgBlock,
    iterText: string,
    iterUses: string[],
    targetText: string,
    targetDefs: string[],
    targetUses: string[],
    node: PyNode,
    body: PyNode | null,
    alt: PyNode | null,
    lowerBody: (b: CfgBlock) => CfgBlock | null,
  ): CfgBlock | null {
    const items = this.newTemp('it');
    const index = this.newTemp('i');
    this.emit(cur, `${items} = list(${iterText})`, iterUses, [items]);
    this.emit(cur, `${index} = 0`, [], [index]);
    const header = this.newBlock();
    this.jump(cur, header);
    this.touch(header, node);
    const branch: CfgTerminator & { kind: 'Branch' } = {
      kind: 'Branch',
      condition: `${index} < len(${items})`,
      ifTrue: -1,
      ifFalse: -1,
      uses: [index, items],
      loc: spanOf(this.file, node),
    };
    header.terminator = branch;
    return this.loopBody(node, header.index, branch, body, alt, (b) => {
      this.emit(b, `${targetText} = ${items}[${index}]`, [items, index, ...targetUses], targetDefs);
      this.emit(b, `${index} += 1`, [index], [index]);
      return lowerBody(b);
    });
  }

  /** The body (continue → header), the `else` clause, and the exit (break target). */
  private loopBody(
    node: PyNode,
    header: number,
    branch: CfgTerminator & { kind: 'Branch' },
    body: PyNode | null,
    alt: PyNode | null,
    prologue: (b: CfgBlock) => CfgBlock | null,
  ): CfgBlock | null {
    const scope: Scope = { kind: 'loop', node, brk: null, cont: header };
    this.scopes.push(scope);
    const b = this.newBlock();
    branch.ifTrue = b.index;
    let end = prologue(b);
    if (end && body) end = this.lowerStatements(namedChildren(body), end);
    if (end) this.jump(end, header);
    this.scopes.pop();
    const done = this.newBlock();
    branch.ifFalse = done.index;
    let after: CfgBlock | null = done;
    if (alt) after = this.lowerStatements(namedChildren(fieldOf(alt, 'body') ?? alt), done);
    if (!scope.brk) return after;
    if (after) this.jump(after, scope.brk);
    return scope.brk;
  }

  // -- try -------------------------------------------------------------------------

  private lowerTry(s: PyNode, cur: CfgBlock): CfgBlock | null {
    const body = fieldOf(s, 'body')!;
    const excepts = s.children.filter((c) => c.type === 'except_clause' || c.type === 'except_group_clause');
    const elseClause = s.children.find((c) => c.type === 'else_clause') ?? null;
    const fin = s.children.find((c) => c.type === 'finally_clause') ?? null;
    const outer = this.handler;
    const n = this.temps++;
    const group = excepts.find((c) => c.type === 'except_group_clause' || c.children.some((x) => x.type === '*'));
    if (group) {
      this.diagnostics.push(
        makeDiagnostic(CfgDiagnostics.RemoteInExceptGroup, { what: 'a try with remote interactions' }, spanOf(this.file, group)),
      );
      return null;
    }

    let scope: (Scope & { kind: 'finally' }) | null = null;
    let finEntry: CfgBlock | null = null;
    let finRaise: CfgBlock | null = null;
    if (fin) {
      const pending = `__sf_f${n}`;
      this.locals.add(pending);
      finRaise = this.newBlock();
      finRaise.catchVar = `__sf_x${n}`;
      this.locals.add(finRaise.catchVar);
      this.emit(finRaise, `${pending} = ('raise', ${finRaise.catchVar})`, [finRaise.catchVar], [pending]);
      finEntry = this.newBlock();
      this.touch(finEntry, fin);
      this.jump(finRaise, finEntry);
      scope = { kind: 'finally', pending, entry: finEntry.index, actions: new Set() };
      this.scopes.push(scope);
    }
    const afterHandler = finRaise ? finRaise.index : outer;
    this.handler = afterHandler;
    let dispatch: CfgBlock | null = null;
    if (excepts.length > 0) {
      dispatch = this.newBlock();
      dispatch.catchVar = `__sf_e${n}`;
      this.locals.add(dispatch.catchVar);
    }
    this.handler = dispatch ? dispatch.index : afterHandler;
    const start = this.newBlock();
    this.jump(cur, start);
    let end = this.lowerStatements(namedChildren(body), start);
    this.handler = afterHandler;
    if (end && elseClause) {
      const e = this.newBlock();
      this.jump(end, e);
      end = this.lowerStatements(namedChildren(fieldOf(elseClause, 'body') ?? elseClause), e);
    }
    const exits: CfgBlock[] = end ? [end] : [];

    if (dispatch) {
      let d: CfgBlock | null = dispatch;
      const exc = dispatch.catchVar!;
      for (const clause of excepts) {
        if (!d) break;
        this.touch(d, clause);
        const value = fieldOf(clause, 'value');
        let typeNode: PyNode | null = value;
        let alias: PyNode | null = null;
        if (value && value.type === 'as_pattern') {
          typeNode = namedChildren(value)[0] ?? null;
          const target = fieldOf(value, 'alias');
          alias = target ? (namedChildren(target)[0] ?? target) : null;
        }
        const block = namedChildren(clause).find((c) => c.type === 'block')!;
        let bodyStart: CfgBlock;
        if (typeNode) {
          const t = this.newBlock();
          const f = this.newBlock();
          d.terminator = {
            kind: 'Branch',
            condition: `isinstance(${exc}, ${this.render(typeNode, new Map())})`,
            ifTrue: t.index,
            ifFalse: f.index,
            uses: [exc, ...this.uses([typeNode], new Map())],
            loc: spanOf(this.file, clause),
          };
          bodyStart = t;
          d = f;
        } else {
          bodyStart = d;
          d = null;
        }
        let name: string | null = null;
        if (alias) {
          name = mangle(textOf(this.file, alias), this.prefix);
          this.emit(bodyStart, `${name} = ${exc}`, [exc], [name]);
          this.scopes.push({ kind: 'handler', name });
        }
        const bodyEnd = this.lowerStatements(namedChildren(block), bodyStart);
        if (name) {
          this.scopes.pop();
          if (bodyEnd) this.unbind(bodyEnd, name);
        }
        if (bodyEnd) exits.push(bodyEnd);
      }
      if (d) {
        // No clause matched: the exception goes on to the enclosing handler.
        this.emit(d, `raise ${exc}`, [exc]);
        d.terminator = { kind: 'Return', value: null, uses: [], loc: 'synthetic' };
      }
    }

    this.handler = outer;
    if (!fin || !scope || !finEntry) {
      if (exits.length === 0) return null;
      const join = this.newBlock();
      for (const e of exits) this.jump(e, join);
      return join;
    }
    this.scopes.pop();
    for (const e of exits) {
      this.emit(e, `${scope.pending} = None`, [], [scope.pending]);
      this.jump(e, finEntry);
    }
    const finEnd = this.lowerStatements(namedChildren(namedChildren(fin).find((c) => c.type === 'block')!), finEntry);
    if (!finEnd) return null;
    // After the finally body: go on as the try was left (normally, raising, returning, ...).
    const pending = scope.pending;
    const cases: { cond: string; run: (b: CfgBlock) => CfgBlock | null }[] = [];
    if (exits.length > 0) cases.push({ cond: `${pending} is None`, run: (b) => b });
    cases.push({
      cond: `${pending}[0] == 'raise'`,
      run: (b) => {
        this.emit(b, `raise ${pending}[1]`, [pending]);
        b.terminator = { kind: 'Return', value: null, uses: [], loc: 'synthetic' };
        return null;
      },
    });
    for (const kind of ['return', 'break', 'continue'] as const) {
      if (!scope.actions.has(kind)) continue;
      cases.push({
        cond: `${pending}[0] == '${kind}'`,
        run: (b) => this.exit(kind, b, kind === 'return' ? `${pending}[1]` : null, [pending], null),
      });
    }
    let d = finEnd;
    let cont: CfgBlock | null = null;
    cases.forEach((c, i) => {
      let target = d;
      if (i < cases.length - 1) {
        const t = this.newBlock();
        const f = this.newBlock();
        d.terminator = { kind: 'Branch', condition: c.cond, ifTrue: t.index, ifFalse: f.index, uses: [pending], loc: 'synthetic' };
        target = t;
        d = f;
      }
      const out = c.run(target);
      if (out) cont = out;
    });
    return cont;
  }

  // -- expressions -----------------------------------------------------------------

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
        this.materializeValues(o.node, st);
      }
    });
  }

  /** Materialises an operand; syntax that is not a value (`k: v`, `*xs`, `a:b`) part by part. */
  private materializeValues(node: PyNode, st: StmtState): void {
    if (node.type === 'interpolation') {
      // `{x!r:>10}` in an f-string: only the expression is a value.
      const expr = fieldOf(node, 'expression') ?? namedChildren(node)[0];
      if (expr && !isTrivial(expr)) this.materializeValues(expr, st);
      return;
    }
    if (NOT_VALUES.has(node.type)) {
      for (const c of namedChildren(node)) if (!isTrivial(c) && !(node.type === 'keyword_argument' && c.field === 'name')) this.materializeValues(c, st);
      return;
    }
    this.materialize(node, st);
  }

  /** Evaluates a local expression into a fresh temporary now. */
  private materialize(node: PyNode, st: StmtState): string {
    if (containsInScope(node, 'named_expression')) {
      this.diagnostics.push(makeDiagnostic(CfgDiagnostics.WalrusInSplitStatement, {}, spanOf(this.file, node)));
      return 'None';
    }
    const temp = this.newTemp();
    this.emit(st.cur, `${temp} = ${this.render(node, st.reps)}`, this.uses([node], st.reps), [temp]);
    st.reps.set(node, temp);
    return temp;
  }

  /** Evaluates `node` (remote or not) into a temporary: its value is then a plain name. */
  private valueOf(node: PyNode, st: StmtState): string {
    if (this.remote.has(node)) this.hoistInto(node, st);
    if (st.reps.has(node)) return st.reps.get(node)!;
    if (node.type === 'identifier') return this.render(node, st.reps);
    return this.materialize(node, st);
  }

  private hoistInto(node: PyNode, st: StmtState): void {
    if (node.type === 'named_expression') {
      this.diagnostics.push(makeDiagnostic(CfgDiagnostics.WalrusInSplitStatement, {}, spanOf(this.file, node)));
      return;
    }
    const site = this.sites.get(node);
    if (!site) {
      if (node.type === 'parenthesized_expression' && namedChildren(node).length === 1) {
        const inner = namedChildren(node)[0]!;
        this.hoistInto(inner, st);
        const rep = st.reps.get(inner);
        if (rep !== undefined) st.reps.set(node, rep);
        return;
      }
      if (node.type === 'boolean_operator') return this.lowerBoolean(node, st);
      if (node.type === 'comparison_operator' && namedChildren(node).slice(2).some((o) => this.remote.has(o))) {
        return this.lowerComparison(node, st);
      }
      if (node.type === 'conditional_expression') return this.lowerConditional(node, st);
      if (COMPREHENSIONS.has(node.type)) return this.lowerComprehension(node, st);
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

  /** `a and b` / `a or b`: `b` runs only when Python would evaluate it. */
  private lowerBoolean(node: PyNode, st: StmtState): void {
    const left = fieldOf(node, 'left')!;
    const right = fieldOf(node, 'right')!;
    const op = node.children.find((c) => c.field === 'operator');
    const isAnd = !!op && textOf(this.file, op) === 'and';
    const lv = this.valueOf(left, st);
    const result = this.newTemp();
    this.emit(st.cur, `${result} = ${lv}`, [lv], [result]);
    this.branchJoin(st, isAnd ? result : `not ${result}`, [result], (inner) => {
      const rv = this.valueOf(right, inner);
      this.emit(inner.cur, `${result} = ${rv}`, [rv], [result]);
    }, null);
    st.reps.set(node, result);
  }

  /**
   * `a < b < c.f()`: like `a < b and b < c.f()` with `b` evaluated once; a later operand
   * runs only when every comparison before it holds (Python's chained comparison).
   */
  private lowerComparison(node: PyNode, st: StmtState): void {
    const operands = namedChildren(node);
    const ops = node.children.filter((c) => c.field === 'operators').map((c) => textOf(this.file, c).replace(/\s+/g, ' '));
    const result = this.newTemp();
    let left = this.valueOf(operands[0]!, st);
    const step = (k: number, inner: StmtState): void => {
      const right = this.valueOf(operands[k]!, inner);
      this.emit(inner.cur, `${result} = ${left} ${ops[k - 1]} ${right}`, [left, right], [result]);
      left = right;
      if (k + 1 < operands.length) this.branchJoin(inner, result, [result], (x) => step(k + 1, x), null);
    };
    step(1, st);
    st.reps.set(node, result);
  }

  /** `a if c else b`: only the chosen side runs. */
  private lowerConditional(node: PyNode, st: StmtState): void {
    const [a, c, b] = namedChildren(node);
    if (!a || !c || !b) return;
    const cv = this.valueOf(c, st);
    const result = this.newTemp();
    this.branchJoin(
      st,
      cv,
      [cv],
      (inner) => {
        const av = this.valueOf(a, inner);
        this.emit(inner.cur, `${result} = ${av}`, [av], [result]);
      },
      (inner) => {
        const bv = this.valueOf(b, inner);
        this.emit(inner.cur, `${result} = ${bv}`, [bv], [result]);
      },
    );
    st.reps.set(node, result);
  }

  /** A branch on a local condition inside an expression; both sides join in a new block. */
  private branchJoin(
    st: StmtState,
    condition: string,
    uses: string[],
    ifTrue: (inner: StmtState) => void,
    ifFalse: ((inner: StmtState) => void) | null,
  ): void {
    const t = this.newBlock();
    const f = ifFalse ? this.newBlock() : null;
    const join = this.newBlock();
    st.cur.terminator = { kind: 'Branch', condition, ifTrue: t.index, ifFalse: (f ?? join).index, uses, loc: 'synthetic' };
    for (const [start, run] of [[t, ifTrue], [f, ifFalse]] as const) {
      if (!start || !run) continue;
      const inner: StmtState = { cur: start, reps: st.reps };
      run(inner);
      this.jump(inner.cur, join);
    }
    st.cur = join;
  }

  /**
   * A comprehension with remote interactions becomes a loop filling a list (set, dict);
   * a generator expression is evaluated eagerly into a list. Its loop variables are
   * renamed (`__sf_c<n>_x`) so they stay local to it, as in Python.
   */
  private lowerComprehension(node: PyNode, st: StmtState): void {
    const body = fieldOf(node, 'body')!;
    const clauses = namedChildren(node).filter((c) => c.type === 'for_in_clause' || c.type === 'if_clause');
    const n = this.temps++;
    // Rename the comprehension's own variables inside it.
    const renamed = new Map<string, string>();
    for (const c of clauses) {
      if (c.type !== 'for_in_clause') continue;
      for (const name of targetNames(this.file, fieldOf(c, 'left')!, this.prefix)) {
        renamed.set(name, `__sf_c${n}_${name}`);
        this.locals.add(`__sf_c${n}_${name}`);
      }
    }
    walk(node, (x) => {
      if (x !== node && (NESTED_SCOPES.has(x.type) || COMPREHENSIONS.has(x.type))) return false;
      if (x.type !== 'identifier') return;
      if (x.field === 'attribute' && x.parent?.type === 'attribute') return;
      if (x.field === 'name' && x.parent?.type === 'keyword_argument') return;
      // The first iterable is evaluated in the enclosing scope.
      if (clauses[0] && isInside(x, fieldOf(clauses[0], 'right')!)) return;
      const to = renamed.get(mangle(textOf(this.file, x), this.prefix));
      if (to && !st.reps.has(x)) st.reps.set(x, to);
    });
    const result = this.newTemp();
    const init = node.type === 'set_comprehension' ? 'set()' : node.type === 'dictionary_comprehension' ? '{}' : '[]';
    this.emit(st.cur, `${result} = ${init}`, [], [result]);
    const level = (k: number, inner: StmtState): CfgBlock | null => {
      const clause = clauses[k];
      if (!clause) {
        if (node.type === 'dictionary_comprehension') {
          const key = fieldOf(body, 'key')!;
          const value = fieldOf(body, 'value')!;
          const kv = this.valueOf(key, inner);
          const vv = this.valueOf(value, inner);
          this.emit(inner.cur, `${result}[${kv}] = ${vv}`, [result, kv, vv]);
        } else {
          const v = this.valueOf(body, inner);
          this.emit(inner.cur, `${result}.${node.type === 'set_comprehension' ? 'add' : 'append'}(${v})`, [result, v]);
        }
        return inner.cur;
      }
      if (clause.type === 'if_clause') {
        const cond = namedChildren(clause)[0]!;
        const cv = this.valueOf(cond, inner);
        this.branchJoin(inner, cv, [cv], (x) => {
          x.cur = level(k + 1, x) ?? x.cur;
        }, null);
        return inner.cur;
      }
      const left = fieldOf(clause, 'left')!;
      const right = fieldOf(clause, 'right')!;
      const iv = this.valueOf(right, inner);
      const targetText = this.render(left, inner.reps);
      const defs = targetNames(this.file, left, this.prefix).map((x) => renamed.get(x) ?? x);
      return this.forLoop(inner.cur, iv, [iv], targetText, defs, [], clause, null, null, (b) => {
        const x: StmtState = { cur: b, reps: inner.reps };
        return level(k + 1, x);
      });
    };
    const end = level(0, st);
    if (end) st.cur = end;
    st.reps.set(node, result);
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

function isInside(node: PyNode, ancestor: PyNode): boolean {
  for (let n: PyNode | null = node; n; n = n.parent) if (n === ancestor) return true;
  return false;
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
    case 'pair':
      return [{ node: fieldOf(node, 'key')! }, { node: fieldOf(node, 'value')! }];
    case 'interpolation': {
      const expr = fieldOf(node, 'expression') ?? namedChildren(node)[0];
      return expr ? [{ node: expr }] : [];
    }
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

function statementName(n: PyNode): string {
  return n.type.replace(/_(statement|clause)$/, '').replace(/_/g, ' ');
}

/** A return value as one expression: `return a, b` returns a tuple. */
function returnValue(node: PyNode, text: string): string {
  return node.type === 'expression_list' ? `(${text})` : text;
}
