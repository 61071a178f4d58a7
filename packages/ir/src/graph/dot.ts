import type { Graph, NodeShape } from './graph-model.js';

/** Escapes text for a double-quoted Graphviz DOT string. */
export function escapeDot(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n|\r/g, '\\n');
}

const SHAPES: Record<NodeShape, string> = { box: 'box', terminal: 'oval', circle: 'doublecircle' };

/** Prints a graph as a Graphviz DOT `digraph`. */
export function toDot(graph: Graph): string {
  const lines = [
    `digraph "${escapeDot(graph.name)}" {`,
    `  rankdir=${graph.direction};`,
    '  node [shape=box];',
  ];
  for (const n of graph.nodes) {
    const s = n.shape === 'box' ? '' : `, shape=${SHAPES[n.shape]}`;
    lines.push(`  ${n.id} [label="${escapeDot(n.label)}"${s}];`);
  }
  for (const e of graph.edges) {
    const attrs: string[] = [];
    if (e.label !== undefined) attrs.push(`label="${escapeDot(e.label)}"`);
    if (e.dashed) attrs.push('style=dashed');
    lines.push(`  ${e.from} -> ${e.to}${attrs.length > 0 ? ` [${attrs.join(', ')}]` : ''};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
