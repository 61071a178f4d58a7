import type { CfgTerminator, MethodCfg } from '../cfg/index.js';

/** Live variables at every block boundary of a split method. */
export interface Liveness {
  /** Per block: the variables carried in (its `params`). The entry block gets the method parameters. */
  params: string[][];
  /**
   * Per block: the variables its terminator carries on (`live`), not counting a
   * `resultVar` or the handler's exception variable.
   */
  live: string[][];
  /** Per block: params that may be unbound on entry (assigned on some paths only). */
  maybeUnboundIn: Set<string>[];
  /** Per block: live variables that may be unbound when the terminator runs. */
  maybeUnboundOut: Set<string>[];
}

/** Successor blocks of a terminator (normal edges only). */
export function successors(t: CfgTerminator): number[] {
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

/**
 * Computes live variables per block boundary (backward), restricted to variables that
 * may be bound there (forward), so a block only receives what it will read and what
 * exists. Loops make the graph cyclic: both directions iterate to a fixpoint over a
 * worklist. An exception edge goes from a block to its handler; along it, only what was
 * surely bound on entry to the block counts as surely bound, and the handler's
 * exception variable is bound.
 */
export function analyzeLiveness(cfg: MethodCfg): Liveness {
  const blocks = cfg.blocks;
  const n = blocks.length;
  const maybeIn: Set<string>[] = blocks.map(() => new Set());
  const sureIn: (Set<string> | undefined)[] = new Array(n);
  const maybeOut: Set<string>[] = new Array(n);
  const sureOut: Set<string>[] = new Array(n);
  const bound: (string | undefined)[] = new Array(n);
  const preds: number[][] = blocks.map(() => []);
  for (const b of blocks) {
    const t = b.terminator!;
    const result = 'resultVar' in t ? t.resultVar : undefined;
    for (const s of successors(t)) {
      preds[s]!.push(b.index);
      if (result) bound[s] = result;
    }
    if (b.handler !== null) {
      preds[b.handler]!.push(b.index);
      bound[b.handler] = blocks[b.handler]!.catchVar;
    }
  }
  for (const p of cfg.params) maybeIn[0]!.add(p);
  sureIn[0] = new Set(cfg.params);

  // Forward: maybe-bound (union) and surely-bound (intersection) variables.
  const queue: number[] = [0];
  const queued = new Array<boolean>(n).fill(false);
  queued[0] = true;
  const push = (i: number): void => {
    if (!queued[i]) {
      queued[i] = true;
      queue.push(i);
    }
  };
  while (queue.length > 0) {
    const i = queue.shift()!;
    queued[i] = false;
    const block = blocks[i]!;
    const maybe = new Set(maybeIn[i]);
    const sure = new Set(sureIn[i] ?? []);
    for (const item of block.items) {
      for (const d of item.defs) maybe.add(d);
      for (const d of item.kills) sure.add(d);
    }
    maybeOut[i] = maybe;
    sureOut[i] = sure;
    const t = block.terminator!;
    const result = 'resultVar' in t ? t.resultVar : undefined;
    const edges: [number, Set<string>, Set<string>][] = successors(t).map((s) => [s, maybe, sure]);
    if (block.handler !== null) edges.push([block.handler, maybe, sureIn[i] ?? new Set()]);
    for (const [s, m0, su0] of edges) {
      const extra = s === block.handler && block.handler !== null ? blocks[s]!.catchVar : result;
      const m = new Set(m0);
      const su = new Set(su0);
      if (extra) {
        m.add(extra);
        su.add(extra);
      }
      let changed = false;
      for (const v of m) {
        if (!maybeIn[s]!.has(v)) {
          maybeIn[s]!.add(v);
          changed = true;
        }
      }
      if (!sureIn[s]) {
        sureIn[s] = su;
        changed = true;
      } else {
        const before = sureIn[s]!.size;
        sureIn[s] = intersect(sureIn[s]!, su);
        if (sureIn[s]!.size !== before) changed = true;
      }
      if (changed) push(s);
    }
  }
  for (let i = 0; i < n; i++) {
    sureIn[i] ??= new Set();
    maybeOut[i] ??= new Set();
    sureOut[i] ??= new Set();
  }

  // Backward: live variables, iterated to a fixpoint.
  const liveIn: Set<string>[] = blocks.map(() => new Set());
  const live: string[][] = new Array(n).fill(null).map(() => []);
  const back: number[] = blocks.map((b) => b.index).reverse();
  const inBack = new Array<boolean>(n).fill(true);
  while (back.length > 0) {
    const i = back.shift()!;
    inBack[i] = false;
    const block = blocks[i]!;
    const t = block.terminator!;
    const out = new Set<string>();
    for (const s of successors(t)) for (const v of liveIn[s]!) out.add(v);
    const onError = new Set<string>();
    if (block.handler !== null) {
      const cv = blocks[block.handler]!.catchVar;
      for (const v of liveIn[block.handler]!) if (v !== cv) onError.add(v);
      for (const v of onError) out.add(v);
    }
    if ('resultVar' in t) out.delete(t.resultVar);
    live[i] = [...out].sort();
    const l = new Set(out);
    for (const u of t.uses) l.add(u);
    for (let k = block.items.length - 1; k >= 0; k--) {
      const item = block.items[k]!;
      for (const d of item.kills) l.delete(d);
      for (const u of item.uses) l.add(u);
    }
    // An exception may leave before any item ran: the handler's needs are live on entry.
    for (const v of onError) l.add(v);
    const maybe = maybeIn[i]!;
    const next = new Set([...l].filter((v) => maybe.has(v)));
    const b = bound[i];
    if (b) next.add(b);
    if (next.size !== liveIn[i]!.size || [...next].some((v) => !liveIn[i]!.has(v))) {
      liveIn[i] = next;
      for (const p of preds[i]!) {
        if (!inBack[p]) {
          inBack[p] = true;
          back.push(p);
        }
      }
    }
  }

  const params = blocks.map((b) => (b.index === 0 ? [...cfg.params] : [...liveIn[b.index]!].sort()));
  // The vars a terminator carries must include every param of its targets.
  return {
    params,
    live,
    maybeUnboundIn: params.map((ps, i) => new Set(ps.filter((p) => !sureIn[i]!.has(p)))),
    maybeUnboundOut: live.map((vs, i) => new Set(vs.filter((v) => !sureOut[i]!.has(v)))),
  };
}

function intersect(a: Set<string>, b: Set<string>): Set<string> {
  return new Set([...a].filter((v) => b.has(v)));
}
