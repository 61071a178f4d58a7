import type { Block, SplitBody, Terminator } from '@stateflow/ir';
import type { CfgTerminator, MethodCfg } from '../cfg/index.js';
import type { Liveness } from '../liveness/index.js';

/** A split method: its IR body and the Python source of its block functions. */
export interface SplitMethod {
  body: SplitBody;
  /** One `def __sf_<Entity>__<method>__<blockId>(self, __sf_env): ...` per block. */
  functions: string[];
}

const INDENT = '    ';

/** The block id of block index `i`. */
export function blockId(i: number): string {
  return `b${i}`;
}

/** The module-level function name of a block. */
export function blockFunctionName(entity: string, method: string, id: string): string {
  return `__sf_${entity}__${method}__${id}`;
}

/**
 * Turns a method's block graph and its liveness into IR blocks and the block functions
 * of the calling convention in ARCHITECTURE.md.
 */
export function splitMethod(cfg: MethodCfg, live: Liveness): SplitMethod {
  const blocks: Block[] = [];
  const functions: string[] = [];
  for (const b of cfg.blocks) {
    const id = blockId(b.index);
    const name = blockFunctionName(cfg.entity, cfg.method, id);
    const t = b.terminator!;
    const handler = b.handler !== null ? cfg.blocks[b.handler]! : null;
    const onError = handler && handler.catchVar ? { onError: blockId(handler.index), errorVar: handler.catchVar } : undefined;
    blocks.push({
      kind: 'Block',
      id,
      function: name,
      params: live.params[b.index]!,
      mayReturn: b.mayReturn,
      terminator: toIrTerminator(t, live.live[b.index]!, onError),
      loc: b.loc,
    });
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
    const body = [...b.items.map((i) => i.text), ...terminatorCode(t, env).map((l) => (handler ? INDENT + l : l))];
    if (handler && (b.items.length > 0 || t.kind !== 'Jump')) {
      // A local exception goes to the handler block in the same hop, as a jump.
      const cv = handler.catchVar!;
      const vars = live.params[handler.index]!.filter((v) => v !== cv);
      const maybe = vars.map((v) => `**({${pyStr(v)}: ${v}} if ${pyStr(v)} in locals() else {})`);
      lines.push(`${INDENT}try:`, ...body);
      lines.push(
        `${INDENT}except Exception as __sf_exc:`,
        `${INDENT}${INDENT}return ('jump', ${pyStr(blockId(handler.index))}, {${[...maybe, `${pyStr(cv)}: __sf_exc`].join(', ')}})`,
      );
    } else {
      lines.push(...body.map((l) => (handler && l.startsWith(INDENT + INDENT) ? l.slice(INDENT.length) : l)));
    }
    functions.push(lines.join('\n') + '\n');
  }
  return { body: { kind: 'SplitBody', entry: blockId(0), blocks }, functions };
}

function toIrTerminator(t: CfgTerminator, live: string[], onError?: { onError: string; errorVar: string }): Terminator {
  switch (t.kind) {
    case 'Return':
      return { kind: 'Return', loc: t.loc };
    case 'Jump':
      return { kind: 'Jump', target: blockId(t.target), live, loc: t.loc };
    case 'Branch':
      return { kind: 'Branch', ifTrue: blockId(t.ifTrue), ifFalse: blockId(t.ifFalse), live, loc: t.loc };
    case 'Invoke':
      return { kind: 'Invoke', entity: t.entity, method: t.method, resume: blockId(t.resume), resultVar: t.resultVar, live, ...onError, loc: t.loc };
    case 'ReadAttr':
      return { kind: 'ReadAttr', entity: t.entity, attr: t.attr, resume: blockId(t.resume), resultVar: t.resultVar, live, ...onError, loc: t.loc };
    case 'InvokeSelf':
      return { kind: 'InvokeSelf', method: t.method, resume: blockId(t.resume), resultVar: t.resultVar, live, ...onError, loc: t.loc };
    case 'Create':
      return { kind: 'Create', entity: t.entity, resume: blockId(t.resume), resultVar: t.resultVar, live, ...onError, loc: t.loc };
  }
}

/** The env dict literal: `vars`, those possibly unbound only when bound. */
function envOf(vars: string[], maybeUnbound: ReadonlySet<string>): string {
  const sure = vars.filter((v) => !maybeUnbound.has(v)).map((v) => `${pyStr(v)}: ${v}`);
  const maybe = vars
    .filter((v) => maybeUnbound.has(v))
    .map((v) => `**({${pyStr(v)}: ${v}} if ${pyStr(v)} in locals() else {})`);
  return `{${[...sure, ...maybe].join(', ')}}`;
}

function terminatorCode(t: CfgTerminator, env: (target: number, resultVar?: string) => string): string[] {
  const call = (args: string[], kwargs: [string, string][]): string =>
    `[${args.join(', ')}], {${kwargs.map(([k, v]) => `${pyStr(k)}: ${v}`).join(', ')}}`;
  const resume = (r: number, resultVar: string): string => `${pyStr(blockId(r))}, ${pyStr(resultVar)}`;
  switch (t.kind) {
    case 'Return':
      return [`${INDENT}return ('return', ${t.value ?? 'None'})`];
    case 'Jump':
      return [`${INDENT}return ('jump', ${pyStr(blockId(t.target))}, ${env(t.target)})`];
    case 'Branch':
      return [
        `${INDENT}if ${t.condition}:`,
        `${INDENT}${INDENT}return ('jump', ${pyStr(blockId(t.ifTrue))}, ${env(t.ifTrue)})`,
        `${INDENT}return ('jump', ${pyStr(blockId(t.ifFalse))}, ${env(t.ifFalse)})`,
      ];
    case 'Invoke':
      return [
        `${INDENT}return ('invoke', ${t.receiver}, ${pyStr(t.method)}, ${call(t.args, t.kwargs)}, ${resume(t.resume, t.resultVar)}, ${env(t.resume, t.resultVar)})`,
      ];
    case 'ReadAttr':
      return [
        `${INDENT}return ('read', ${t.receiver}, ${pyStr(t.attr)}, ${resume(t.resume, t.resultVar)}, ${env(t.resume, t.resultVar)})`,
      ];
    case 'InvokeSelf':
      return [
        `${INDENT}return ('invoke_self', ${pyStr(t.method)}, ${call(t.args, t.kwargs)}, ${resume(t.resume, t.resultVar)}, ${env(t.resume, t.resultVar)})`,
      ];
    case 'Create':
      return [
        `${INDENT}return ('create', ${pyStr(t.entity)}, ${call(t.args, t.kwargs)}, ${resume(t.resume, t.resultVar)}, ${env(t.resume, t.resultVar)})`,
      ];
  }
}

/** A Python string literal for an identifier-like value. */
function pyStr(s: string): string {
  if (/^\w*$/.test(s)) return `'${s}'`;
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
