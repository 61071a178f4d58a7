import type { CfgTerminator } from '../cfg/index.js';
import type { SourceFile } from '../parse/syntax-node.js';
import { blockFunctionName, blockId, type SplitMethod } from '../split/index.js';
import { PythonCode, pyStr } from './python-code.js';

const INDENT = '    ';

/**
 * The block functions of a split method, one `def __sf_<Entity>__<method>__<blockId>(self,
 * __sf_env):` per block, following the calling convention in ARCHITECTURE.md.
 */
export function renderBlockFunctions(file: SourceFile, split: SplitMethod): string[] {
  const { cfg, live } = split;
  const code = new PythonCode(file, cfg.manglePrefix);
  const functions: string[] = [];
  for (const b of cfg.blocks) {
    const name = blockFunctionName(cfg.entity, cfg.method, blockId(b.index));
    const t = b.terminator!;
    const handler = b.handler !== null ? cfg.blocks[b.handler]! : null;
    const lines: string[] = [`def ${name}(${cfg.selfName}, __sf_env):`];
    const maybeIn = live.maybeUnboundIn[b.index]!;
    for (const p of live.params[b.index]!) {
      if (maybeIn.has(p)) {
        // Bound on some paths only: stay unbound here too, as in the original method.
        lines.push(`${INDENT}if ${pyStr(p)} in __sf_env:`, `${INDENT}${INDENT}${p} = __sf_env[${pyStr(p)}]`);
      } else {
        lines.push(`${INDENT}${p} = __sf_env[${pyStr(p)}]`);
      }
    }
    const maybeOut = live.maybeUnboundOut[b.index]!;
    const env = (target: number, resultVar?: string): string => {
      const vars = new Set(live.params[target]!);
      // A resuming terminator with a handler also carries what the handler takes.
      if (resultVar && handler) for (const v of live.params[handler.index]!) if (v !== handler.catchVar) vars.add(v);
      if (resultVar) vars.delete(resultVar);
      return envOf([...vars].sort(), maybeOut);
    };
    // A local exception goes to the handler block in the same hop: the code runs inside `try`.
    const wrapped = handler !== null && (b.items.length > 0 || t.kind !== 'Jump');
    const indent = wrapped ? INDENT + INDENT : INDENT;
    const body = [...b.items.map((i) => code.stmt(i.code, indent)), ...terminatorCode(code, t, env).map((l) => indent + l)];
    if (wrapped) {
      const cv = handler.catchVar!;
      const vars = live.params[handler.index]!.filter((v) => v !== cv);
      const maybe = vars.map((v) => `**({${pyStr(v)}: ${v}} if ${pyStr(v)} in locals() else {})`);
      lines.push(`${INDENT}try:`, ...body);
      lines.push(
        `${INDENT}except Exception as __sf_exc:`,
        `${INDENT}${INDENT}return ('jump', ${pyStr(blockId(handler.index))}, {${[...maybe, `${pyStr(cv)}: __sf_exc`].join(', ')}})`,
      );
    } else {
      lines.push(...body);
    }
    functions.push(lines.join('\n') + '\n');
  }
  return functions;
}

/** The env dict literal: `vars`, those possibly unbound only when bound. */
function envOf(vars: string[], maybeUnbound: ReadonlySet<string>): string {
  const sure = vars.filter((v) => !maybeUnbound.has(v)).map((v) => `${pyStr(v)}: ${v}`);
  const maybe = vars
    .filter((v) => maybeUnbound.has(v))
    .map((v) => `**({${pyStr(v)}: ${v}} if ${pyStr(v)} in locals() else {})`);
  return `{${[...sure, ...maybe].join(', ')}}`;
}

/** The lines that end a block, without indentation. */
function terminatorCode(code: PythonCode, t: CfgTerminator, env: (target: number, resultVar?: string) => string): string[] {
  const call = (): string => {
    if (!('args' in t)) return '';
    const kwargs = t.kwargs.map(([k, v]) => `${pyStr(k)}: ${code.expr(v)}`);
    return `[${t.args.map((a) => code.expr(a)).join(', ')}], {${kwargs.join(', ')}}`;
  };
  const resume = (r: number, resultVar: string): string => `${pyStr(blockId(r))}, ${pyStr(resultVar)}`;
  switch (t.kind) {
    case 'Return':
      return [`return ('return', ${t.value ? code.expr(t.value) : 'None'})`];
    case 'Jump':
      return [`return ('jump', ${pyStr(blockId(t.target))}, ${env(t.target)})`];
    case 'Branch':
      return [
        `if ${code.expr(t.condition)}:`,
        `${INDENT}return ('jump', ${pyStr(blockId(t.ifTrue))}, ${env(t.ifTrue)})`,
        `return ('jump', ${pyStr(blockId(t.ifFalse))}, ${env(t.ifFalse)})`,
      ];
    case 'Invoke':
      return [`return ('invoke', ${code.expr(t.receiver)}, ${pyStr(t.method)}, ${call()}, ${resume(t.resume, t.resultVar)}, ${env(t.resume, t.resultVar)})`];
    case 'ReadAttr':
      return [`return ('read', ${code.expr(t.receiver)}, ${pyStr(t.attr)}, ${resume(t.resume, t.resultVar)}, ${env(t.resume, t.resultVar)})`];
    case 'InvokeSelf':
      return [`return ('invoke_self', ${pyStr(t.method)}, ${call()}, ${resume(t.resume, t.resultVar)}, ${env(t.resume, t.resultVar)})`];
    case 'Create':
      return [`return ('create', ${pyStr(t.entity)}, ${call()}, ${resume(t.resume, t.resultVar)}, ${env(t.resume, t.resultVar)})`];
  }
}
