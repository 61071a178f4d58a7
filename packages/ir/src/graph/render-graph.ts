import type { Program } from '../program.js';
import { toDot } from './dot.js';
import { buildDataflowGraph, buildMethodGraph, type Graph } from './graph-model.js';
import { toMermaid } from './mermaid.js';

/** Options of {@link renderGraph}. */
export interface RenderGraphOptions {
  /** Output format: a Mermaid `flowchart` or a Graphviz `digraph`. */
  format: 'mermaid' | 'dot';
  /**
   * `Entity.method` to draw that method's blocks instead of the dataflow graph
   * (`Entity.__init__` names the constructor).
   * @default undefined (the dataflow graph of the whole program)
   */
  method?: string;
}

/** The outcome of {@link tryRenderGraph}. */
export type RenderGraphResult =
  | { ok: true; text: string }
  | { ok: false; message: string; /** Every `Entity.method` that can be drawn. */ methods: string[] };

/** Thrown by {@link renderGraph} for a `method` the program does not have. */
export class UnknownGraphMethodError extends Error {
  override readonly name = 'UnknownGraphMethodError';
  readonly code = 'UnknownMethod';
  constructor(
    message: string,
    /** Every `Entity.method` that can be drawn. */
    readonly methods: string[],
  ) {
    super(message);
  }
}

/** Every `Entity.method` of a program, in program order. */
export function listGraphMethods(program: Program): string[] {
  return program.entities.flatMap((e) => [e.init, ...e.methods].map((m) => `${e.name}.${m.name}`));
}

function findGraph(program: Program, method: string | undefined): Graph | undefined {
  if (method === undefined) return buildDataflowGraph(program);
  const dot = method.indexOf('.');
  const entityName = method.slice(0, dot);
  const methodName = method.slice(dot + 1);
  const entity = dot > 0 ? program.entities.find((e) => e.name === entityName) : undefined;
  const m = entity && [entity.init, ...entity.methods].find((x) => x.name === methodName);
  return entity && m ? buildMethodGraph(entity, m) : undefined;
}

/**
 * Like {@link renderGraph}, but returns an unknown `method` as a result (with the list
 * of methods that exist) instead of throwing.
 */
export function tryRenderGraph(program: Program, options: RenderGraphOptions): RenderGraphResult {
  const graph = findGraph(program, options.method);
  if (!graph) {
    const methods = listGraphMethods(program);
    return {
      ok: false,
      methods,
      message:
        `unknown method '${options.method}'; expected 'Entity.method', one of: ` +
        (methods.length > 0 ? methods.join(', ') : '(the program has no entities)'),
    };
  }
  return { ok: true, text: options.format === 'dot' ? toDot(graph) : toMermaid(graph) };
}

/**
 * Renders a program as Mermaid or Graphviz DOT text. Without `method`: the dataflow
 * graph (ingress, one operator per entity class, egress, and an edge per distinct
 * remote interaction labelled `invoke m` / `read attr` / `create`). With `method`:
 * that method's blocks (id and live-in variables) and the terminator edges between
 * them (`true`/`false` for branches, `invoke Item.update_stock` for a call, dashed
 * `return` for an early return); a method without remote calls is a single node.
 *
 * @throws {UnknownGraphMethodError} if `method` names no method of the program; use
 *   {@link tryRenderGraph} to get that as a result instead.
 */
export function renderGraph(program: Program, options: RenderGraphOptions): string {
  const result = tryRenderGraph(program, options);
  if (!result.ok) throw new UnknownGraphMethodError(result.message, result.methods);
  return result.text;
}
