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
  for (const b of blocks) {
    const t = b.terminator!;
    const result = 'resultVar' in t ? t.resultVar : undefined;
    for (const s of successors(t)) {
      if (result) bound[s] = result;
    }
    if (b.handler !== null) {
      bound[b.handler] = blocks[b.handler]!.catchVar;
    }
  }
  for (const p of cfg.params) maybeIn[0]!.add(p);
  sureIn[0] = new Set(cfg.params);

  // Forward: maybe-bound (union) and surely-bound (intersection) variables. Blocks are
  // mostly in flow order, so rounds in index order converge in a few passes.
  const reached = new Array<boolean>(n).fill(false);
  reached[0] = true;
  const flow = (s: number, m: Set<string>, su: ReadonlySet<string>, extra: string | undefined): boolean => {
    let changed = !reached[s];
    reached[s] = true;
    const into = maybeIn[s]!;
    for (const v of m) {
      if (!into.has(v)) {
        into.add(v);
        changed = true;
      }
    }
    if (extra && !into.has(extra)) {
      into.add(extra);
      changed = true;
    }
    const cur = sureIn[s];
    if (!cur) {
      const next = new Set(su);
      if (extra) next.add(extra);
      sureIn[s] = next;
      return true;
    }
    for (const v of cur) {
      if (v !== extra && !su.has(v)) {
        cur.delete(v);
        changed = true;
      }
    }
    return changed;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const block of blocks) {
      const i = block.index;
      if (!reached[i]) continue;
      let maybe = maybeIn[i]!;
      let sure = sureIn[i] ?? new Set<string>();
      // What may be bound at some point of the block (the handler may be entered anywhere).
      let maybeAny = maybe;
      if (block.items.length > 0) {
        maybe = new Set(maybe);
        sure = new Set(sure);
        let unbinds = false;
        for (const item of block.items) {
          if (item.unbinds) {
            if (!unbinds) maybeAny = new Set(maybe);
            unbinds = true;
            for (const d of item.unbinds) {
              maybe.delete(d);
              sure.delete(d);
            }
          }
          for (const d of item.defs) {
            maybe.add(d);
            if (unbinds) maybeAny.add(d);
          }
          for (const d of item.kills) sure.add(d);
        }
        if (!unbinds) maybeAny = maybe;
      }
      maybeOut[i] = maybe;
      sureOut[i] = sure;
      const t = block.terminator!;
      const result = 'resultVar' in t ? t.resultVar : undefined;
      for (const s of successors(t)) if (flow(s, maybe, sure, result)) changed = true;
      if (block.handler !== null) {
        if (flow(block.handler, maybeAny, sureIn[i] ?? new Set(), blocks[block.handler]!.catchVar)) changed = true;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    sureIn[i] ??= new Set();
    maybeOut[i] ??= new Set();
    sureOut[i] ??= new Set();
  }

  // Backward: live variables, in rounds of reverse index order to a fixpoint.
  const liveIn: Set<string>[] = blocks.map(() => new Set());
  const outs: Set<string>[] = new Array(n);
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
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
      outs[i] = out;
      const l = new Set(out);
      for (const u of t.uses) l.add(u);
      for (let k = block.items.length - 1; k >= 0; k--) {
        const item = block.items[k]!;
        for (const d of item.kills) l.delete(d);
        if (item.unbinds) for (const d of item.unbinds) l.delete(d);
        for (const u of item.uses) l.add(u);
      }
      // An exception may leave before any item ran: the handler's needs are live on entry.
      for (const v of onError) l.add(v);
      const maybe = maybeIn[i]!;
      const prev = liveIn[i]!;
      const b = bound[i];
      for (const v of l) {
        if (!prev.has(v) && (maybe.has(v) || v === b)) {
          prev.add(v);
          changed = true;
        }
      }
      if (b && !prev.has(b)) {
        prev.add(b);
        changed = true;
      }
    }
  }

  const live = outs.map((o) => [...o].sort());
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
