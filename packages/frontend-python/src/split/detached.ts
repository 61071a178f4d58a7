import type { CfgBlock, MethodCfg, PyExpr, PyStmt } from '../cfg/index.js';
import { mangle } from '../cfg/names.js';
import { isKind } from '../parse/node-kind.js';
import { textOf, walk, type PyNode, type SourceFile } from '../parse/syntax-node.js';

/**
 * Names that reach the block function's locals (and so `self`) without spelling it:
 * `locals()['self']`, `eval('self.x')`, `vars()`, `dir()`, a frame's `f_locals`.
 */
const READS_LOCALS = new Set(['locals', 'vars', 'dir', 'eval', 'exec', '_getframe', 'currentframe', 'f_locals']);

/**
 * Whether a block may be `detached` (IR 0.2.1): its terminator needs no interaction
 * (`Return`, `Jump`, `Branch`) and its own emitted code never uses `self`, so any
 * instance can run it given its env. Decided on the syntax tree of the code the block
 * function renders: hoisted sub-expressions (computed by earlier blocks) do not count,
 * and a `self` inside a nested lambda, comprehension or function does. An attribute or
 * keyword-argument name spelled like `self` (`x.self`, `f(self=1)`) is no use of it.
 * Whether its exception handler or jump targets use `self` does not matter: the kernel
 * gives up the detached run when it reaches a block that is not detached.
 */
export function isDetachedBlock(file: SourceFile, cfg: MethodCfg, block: CfgBlock, params: readonly string[]): boolean {
  const t = block.terminator;
  if (!t || (t.kind !== 'Return' && t.kind !== 'Jump' && t.kind !== 'Branch')) return false;
  const self = cfg.selfName;
  const prefix = cfg.manglePrefix;
  if (params.includes(self)) return false;

  const nodeUsesSelf = (node: PyNode, replacements: ReadonlyMap<PyNode, string>, from = 0): boolean => {
    let found = false;
    walk(node, (n) => {
      if (found || replacements.has(n) || n.end <= from) return false;
      if (!isKind(n, 'identifier')) return;
      if (n.field === 'attribute' && isKind(n.parent, 'attribute')) return;
      if (n.field === 'name' && isKind(n.parent, 'keyword_argument')) return;
      const name = textOf(file, n);
      if (name === self || mangle(name, prefix) === self || READS_LOCALS.has(name)) found = true;
    });
    return found;
  };

  const exprUsesSelf = (e: PyExpr): boolean => {
    switch (e.kind) {
      case 'Name':
        return e.name === self;
      case 'Source':
        return nodeUsesSelf(e.node, e.replacements);
      case 'None':
      case 'Int':
      case 'Str':
      case 'Empty':
        return false;
      case 'Tuple':
        return e.items.some(exprUsesSelf);
      case 'Call':
        return e.args.some(exprUsesSelf);
      case 'Subscript':
        return exprUsesSelf(e.value) || exprUsesSelf(e.index);
      case 'Compare':
        return exprUsesSelf(e.left) || exprUsesSelf(e.right);
      case 'Not':
        return exprUsesSelf(e.operand);
    }
  };

  const stmtUsesSelf = (s: PyStmt): boolean => {
    switch (s.kind) {
      case 'SourceStatement':
        return nodeUsesSelf(s.node, s.replacements);
      case 'SourceIf':
        // Only the rest of the chain from `from` on is emitted here.
        return nodeUsesSelf(s.node, s.replacements, s.from.start);
      case 'Assign':
      case 'AugAssign':
        return exprUsesSelf(s.target) || exprUsesSelf(s.value);
      case 'RereadIfMutable':
        return s.name === self || exprUsesSelf(s.target);
      case 'Raise':
        return exprUsesSelf(s.value);
      case 'Unbind':
        return s.name === self;
      case 'AddTo':
        return s.collection === self || exprUsesSelf(s.value);
    }
  };

  if (block.items.some((item) => stmtUsesSelf(item.code))) return false;
  if (t.kind === 'Return') return !(t.value && exprUsesSelf(t.value));
  if (t.kind === 'Branch') return !exprUsesSelf(t.condition);
  return true;
}
