import type { CfgBlock, CfgTerminator } from './model.js';

/**
 * Removes blocks that only jump on (the joins of nested `if`s): a `Jump` or `Branch`
 * whose target is an empty block ending in `Jump` goes straight to that block's
 * target. Resume targets and handler blocks are kept: the kernel binds the result or
 * the exception there. Unreachable blocks are dropped and the rest renumbered in order
 * (the entry stays `b0`). Loops make the graph cyclic; forwarding stops on a cycle.
 */
export function threadJumps(blocks: CfgBlock[]): CfgBlock[] {
  const forward = (i: number): number => {
    let target = i;
    const seen = new Set<number>();
    for (;;) {
      const b = blocks[target]!;
      if (b.items.length > 0 || b.terminator?.kind !== 'Jump' || b.catchVar !== undefined || seen.has(target)) return target;
      seen.add(target);
      target = b.terminator.target;
    }
  };
  for (const b of blocks) {
    const t = b.terminator!;
    if (t.kind === 'Jump') t.target = forward(t.target);
    else if (t.kind === 'Branch') {
      t.ifTrue = forward(t.ifTrue);
      t.ifFalse = forward(t.ifFalse);
    }
  }
  const reachable = new Array<boolean>(blocks.length).fill(false);
  const work = [0];
  reachable[0] = true;
  while (work.length > 0) {
    const b = blocks[work.pop()!]!;
    const next = targets(b.terminator!);
    if (b.handler !== null) next.push(b.handler);
    for (const s of next) {
      if (!reachable[s]) {
        reachable[s] = true;
        work.push(s);
      }
    }
  }
  const kept = blocks.filter((b) => reachable[b.index]);
  const renumber = new Map(kept.map((b, i) => [b.index, i]));
  for (const b of kept) {
    b.index = renumber.get(b.index)!;
    if (b.handler !== null) b.handler = renumber.get(b.handler)!;
    remap(b.terminator!, (i) => renumber.get(i)!);
  }
  return kept;
}

function targets(t: CfgTerminator): number[] {
  switch (t.kind) {
    case 'Return':
      return [];
    case 'Jump':
      return [t.target];
    case 'Branch':
      return [t.ifTrue, t.ifFalse];
    default:
      return [t.resume];
  }
}

function remap(t: CfgTerminator, f: (i: number) => number): void {
  switch (t.kind) {
    case 'Return':
      return;
    case 'Jump':
      t.target = f(t.target);
      return;
    case 'Branch':
      t.ifTrue = f(t.ifTrue);
      t.ifFalse = f(t.ifFalse);
      return;
    default:
      t.resume = f(t.resume);
  }
}
