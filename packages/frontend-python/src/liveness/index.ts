import type { CfgTerminator, MethodCfg } from '../cfg/index.js';

/** Live variables at every block boundary of a split method. */
export interface Liveness {
  /** Per block: the variables carried in (its `params`). The entry block gets the method parameters. */
  params: string[][];
  /** Per block: the variables its terminator carries on (`live`), not counting a `resultVar`. */
  live: string[][];
  /** Per block: params that may be unbound on entry (assigned on some paths only). */
  maybeUnboundIn: Set<string>[];
  /** Per block: live variables that may be unbound when the terminator runs. */
  maybeUnboundOut: Set<string>[];
}

/** Successor blocks of a terminator. */
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
 * exists. Blocks form a DAG in index order (loops with remote calls are rejected earlier),
 * so one pass each way suffices: linear in the size of the method.
 */
export function analyzeLiveness(cfg: MethodCfg): Liveness {
  const n = cfg.blocks.length;
  const maybeIn: (Set<string> | undefined)[] = new Array(n);
  const sureIn: (Set<string> | undefined)[] = new Array(n);
  const maybeOut: Set<string>[] = new Array(n);
  const sureOut: Set<string>[] = new Array(n);
  const resultOf: (string | undefined)[] = new Array(n);
  maybeIn[0] = new Set(cfg.params);
  sureIn[0] = new Set(cfg.params);

  for (const block of cfg.blocks) {
    const i = block.index;
    const maybe = new Set(maybeIn[i] ?? []);
    const sure = new Set(sureIn[i] ?? []);
    for (const item of block.items) {
      for (const d of item.defs) maybe.add(d);
      for (const d of item.kills) sure.add(d);
    }
    maybeOut[i] = maybe;
    sureOut[i] = sure;
    const t = block.terminator!;
    const result = 'resultVar' in t ? t.resultVar : undefined;
    for (const s of successors(t)) {
      if (result) resultOf[s] = result;
      const m = new Set(maybe);
      const su = new Set(sure);
      if (result) {
        m.add(result);
        su.add(result);
      }
      maybeIn[s] = union(maybeIn[s], m);
      sureIn[s] = sureIn[s] ? intersect(sureIn[s]!, su) : su;
    }
  }

  const liveIn: Set<string>[] = new Array(n);
  const live: string[][] = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const block = cfg.blocks[i]!;
    const t = block.terminator!;
    const out = new Set<string>();
    for (const s of successors(t)) for (const v of liveIn[s]!) out.add(v);
    if ('resultVar' in t) out.delete(t.resultVar);
    live[i] = [...out].sort();
    const l = new Set(out);
    for (const u of t.uses) l.add(u);
    for (let k = block.items.length - 1; k >= 0; k--) {
      const item = block.items[k]!;
      for (const d of item.kills) l.delete(d);
      for (const u of item.uses) l.add(u);
    }
    const maybe = maybeIn[i]!;
    liveIn[i] = new Set([...l].filter((v) => maybe.has(v)));
    const result = resultOf[i];
    if (result) liveIn[i]!.add(result);
  }

  const params = cfg.blocks.map((b) => (b.index === 0 ? [...cfg.params] : [...liveIn[b.index]!].sort()));
  return {
    params,
    live,
    maybeUnboundIn: params.map((ps, i) => new Set(ps.filter((p) => !sureIn[i]!.has(p)))),
    maybeUnboundOut: live.map((vs, i) => new Set(vs.filter((v) => !sureOut[i]!.has(v)))),
  };
}

function union(a: Set<string> | undefined, b: Set<string>): Set<string> {
  if (!a) return b;
  for (const v of b) a.add(v);
  return a;
}

function intersect(a: Set<string>, b: Set<string>): Set<string> {
  return new Set([...a].filter((v) => b.has(v)));
}
