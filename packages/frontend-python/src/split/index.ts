import type { Block, SplitBody, Terminator } from '@stateflow/ir';
import type { CfgTerminator, MethodCfg } from '../cfg/index.js';
import type { Liveness } from '../liveness/index.js';
import type { SourceFile } from '../parse/syntax-node.js';
import { isDetachedBlock } from './detached.js';

/** A split method: its IR body, and the block graph and liveness its block functions are rendered from. */
export interface SplitMethod {
  body: SplitBody;
  cfg: MethodCfg;
  live: Liveness;
}

/** The block id of block index `i`. */
export function blockId(i: number): string {
  return `b${i}`;
}

/** The module-level function name of a block. */
export function blockFunctionName(entity: string, method: string, id: string): string {
  return `__sf_${entity}__${method}__${id}`;
}

/**
 * Turns a method's block graph and its liveness into IR blocks; the emit stage renders
 * their block functions (the calling convention in ARCHITECTURE.md). A block whose code
 * needs no instance is marked `detached` (see {@link isDetachedBlock}).
 */
export function splitMethod(file: SourceFile, cfg: MethodCfg, live: Liveness): SplitMethod {
  const blocks: Block[] = cfg.blocks.map((b) => {
    const id = blockId(b.index);
    const handler = b.handler !== null ? cfg.blocks[b.handler]! : null;
    const onError = handler && handler.catchVar ? { onError: blockId(handler.index), errorVar: handler.catchVar } : undefined;
    const params = live.params[b.index]!;
    return {
      kind: 'Block',
      id,
      function: blockFunctionName(cfg.entity, cfg.method, id),
      params,
      mayReturn: b.mayReturn,
      ...(isDetachedBlock(file, cfg, b, params) ? { detached: true as const } : {}),
      terminator: toIrTerminator(b.terminator!, live.live[b.index]!, onError),
      loc: b.loc,
    };
  });
  return { body: { kind: 'SplitBody', entry: blockId(0), blocks }, cfg, live };
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
