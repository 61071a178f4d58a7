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
    blocks.push({
      kind: 'Block',
      id,
      function: name,
      params: live.params[b.index]!,
      mayReturn: b.mayReturn,
      terminator: toIrTerminator(t, live.live[b.index]!),
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
    for (const item of b.items) lines.push(item.text);
    lines.push(...terminatorCode(t, (target, resultVar) => envOf(live, target, live.maybeUnboundOut[b.index]!, resultVar)));
    functions.push(lines.join('\n') + '\n');
  }
  return { body: { kind: 'SplitBody', entry: blockId(0), blocks }, functions };
}

function toIrTerminator(t: CfgTerminator, live: string[]): Terminator {
  switch (t.kind) {
    case 'Return':
      return { kind: 'Return', loc: t.loc };
    case 'Jump':
      return { kind: 'Jump', target: blockId(t.target), live, loc: t.loc };
    case 'Branch':
      return { kind: 'Branch', ifTrue: blockId(t.ifTrue), ifFalse: blockId(t.ifFalse), live, loc: t.loc };
    case 'Invoke':
      return { kind: 'Invoke', entity: t.entity, method: t.method, resume: blockId(t.resume), resultVar: t.resultVar, live, loc: t.loc };
    case 'ReadAttr':
      return { kind: 'ReadAttr', entity: t.entity, attr: t.attr, resume: blockId(t.resume), resultVar: t.resultVar, live, loc: t.loc };
    case 'InvokeSelf':
      return { kind: 'InvokeSelf', method: t.method, resume: blockId(t.resume), resultVar: t.resultVar, live, loc: t.loc };
    case 'Create':
      return { kind: 'Create', entity: t.entity, resume: blockId(t.resume), resultVar: t.resultVar, live, loc: t.loc };
  }
}

/** The env dict literal carried to block `target`: exactly its params (minus a result var). */
function envOf(live: Liveness, target: number, maybeUnbound: ReadonlySet<string>, resultVar?: string): string {
  const vars = live.params[target]!.filter((v) => v !== resultVar);
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
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
