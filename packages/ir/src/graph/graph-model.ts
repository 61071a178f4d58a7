import type { EntityClass, Method, Program, Terminator } from '../program.js';

/** How a node is drawn. */
export type NodeShape = 'box' | 'terminal' | 'circle';

/** A node of a rendered graph. `id` is safe in both output formats. */
export interface GraphNode {
  id: string;
  label: string;
  shape: NodeShape;
}

/** An edge; `dashed` marks a path that is taken only sometimes (an early `return`). */
export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
  dashed?: boolean;
}

/** A format-neutral graph, printed by the Mermaid and DOT printers. */
export interface Graph {
  name: string;
  direction: 'LR' | 'TB';
  nodes: GraphNode[];
  edges: GraphEdge[];
}

class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];
  private readonly seenEdges = new Set<string>();

  node(label: string, shape: NodeShape): string {
    const id = `n${this.nodes.length}`;
    this.nodes.push({ id, label, shape });
    return id;
  }

  /** Adds an edge unless the same edge (ends, label, style) exists. */
  edge(from: string, to: string, label?: string, dashed?: boolean): void {
    const key = JSON.stringify([from, to, label ?? null, dashed === true]);
    if (this.seenEdges.has(key)) return;
    this.seenEdges.add(key);
    const e: GraphEdge = { from, to };
    if (label !== undefined) e.label = label;
    if (dashed) e.dashed = true;
    this.edges.push(e);
  }
}

function allMethods(entity: EntityClass): Method[] {
  return [entity.init, ...entity.methods];
}

/** The label of a call edge between entities in the dataflow graph. */
function remoteLabel(t: Terminator): string | undefined {
  switch (t.kind) {
    case 'Invoke':
      return `invoke ${t.method}`;
    case 'ReadAttr':
      return `read ${t.attr}`;
    case 'Create':
      return 'create';
    default:
      return undefined;
  }
}

/**
 * The dataflow graph: an ingress and an egress node, one operator per entity class,
 * and one edge per distinct remote interaction (Invoke, ReadAttr, Create) from the
 * calling entity to the target entity.
 */
export function buildDataflowGraph(program: Program): Graph {
  const g = new GraphBuilder();
  const ingress = g.node('ingress', 'terminal');
  const ids = new Map<string, string>();
  for (const entity of program.entities) {
    if (!ids.has(entity.name)) ids.set(entity.name, g.node(entity.name, 'box'));
  }
  const egress = g.node('egress', 'terminal');
  for (const id of ids.values()) g.edge(ingress, id);
  for (const entity of program.entities) {
    const from = ids.get(entity.name) as string;
    for (const method of allMethods(entity)) {
      if (method.body.kind !== 'SplitBody') continue;
      for (const block of method.body.blocks) {
        const t = block.terminator;
        const label = remoteLabel(t);
        if (label === undefined || !('entity' in t)) continue;
        // A target missing from the program still gets a node, so the graph shows the mistake.
        let to = ids.get(t.entity);
        if (to === undefined) {
          to = g.node(t.entity, 'box');
          ids.set(t.entity, to);
        }
        g.edge(from, to, label);
      }
    }
  }
  for (const id of ids.values()) g.edge(id, egress);
  return { name: 'dataflow', direction: 'LR', nodes: g.nodes, edges: g.edges };
}

/** The label of the edge from a block to the block its terminator continues at. */
function continuationLabel(t: Terminator): string | undefined {
  switch (t.kind) {
    case 'Invoke':
      return `invoke ${t.entity}.${t.method}`;
    case 'ReadAttr':
      return `read ${t.entity}.${t.attr}`;
    case 'InvokeSelf':
      return `invoke self.${t.method}`;
    case 'Create':
      return `create ${t.entity}`;
    default:
      return undefined;
  }
}

/**
 * The state machine of one method: a start node, one node per block (labelled with
 * its id and live-in variables), an end node, and one edge per terminator successor.
 * A method without remote interactions (a `SimpleBody`) is one node.
 */
export function buildMethodGraph(entity: EntityClass, method: Method): Graph {
  const name = `${entity.name}.${method.name}`;
  const g = new GraphBuilder();
  if (method.body.kind === 'SimpleBody') {
    g.node(`${name} (no remote calls)`, 'box');
    return { name, direction: 'TB', nodes: g.nodes, edges: g.edges };
  }
  const start = g.node(`${name}(${method.params.map((p) => p.name).join(', ')})`, 'terminal');
  const ids = new Map<string, string>();
  for (const block of method.body.blocks) {
    if (!ids.has(block.id)) ids.set(block.id, g.node(`${block.id}(${block.params.join(', ')})`, 'box'));
  }
  const end = g.node('end', 'circle');
  const idOf = (block: string): string => {
    let id = ids.get(block);
    if (id === undefined) {
      // A dangling reference still renders, as a node of its own.
      id = g.node(`${block} (missing)`, 'box');
      ids.set(block, id);
    }
    return id;
  };
  g.edge(start, idOf(method.body.entry));
  for (const block of method.body.blocks) {
    const from = idOf(block.id);
    const t = block.terminator;
    if (block.mayReturn && t.kind !== 'Return') g.edge(from, end, 'return', true);
    switch (t.kind) {
      case 'Return':
        g.edge(from, end, 'return');
        break;
      case 'Jump':
        g.edge(from, idOf(t.target));
        break;
      case 'Branch':
        g.edge(from, idOf(t.ifTrue), 'true');
        g.edge(from, idOf(t.ifFalse), 'false');
        break;
      default:
        g.edge(from, idOf(t.resume), continuationLabel(t));
        if (t.onError !== undefined) g.edge(from, idOf(t.onError), `error → ${t.errorVar ?? '?'}`, true);
    }
  }
  return { name, direction: 'TB', nodes: g.nodes, edges: g.edges };
}
