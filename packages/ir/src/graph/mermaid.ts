import type { Graph, NodeShape } from './graph-model.js';

/** Escapes text for a quoted Mermaid label, with Mermaid's `#code;` entities. */
export function escapeMermaid(text: string): string {
  return text.replace(/[#"<>|`\\\r\n[\]{}]/g, (c) => (c === '\r' || c === '\n' ? ' ' : `#${c.charCodeAt(0)};`));
}

function shape(s: NodeShape, label: string): string {
  const q = `"${escapeMermaid(label)}"`;
  switch (s) {
    case 'terminal':
      return `([${q}])`;
    case 'circle':
      return `((${q}))`;
    default:
      return `[${q}]`;
  }
}

/** Prints a graph as a Mermaid `flowchart`. */
export function toMermaid(graph: Graph): string {
  const lines = [`flowchart ${graph.direction === 'LR' ? 'LR' : 'TD'}`];
  for (const n of graph.nodes) lines.push(`  ${n.id}${shape(n.shape, n.label)}`);
  for (const e of graph.edges) {
    const arrow = e.dashed ? '-.->' : '-->';
    const label = e.label === undefined ? '' : `|"${escapeMermaid(e.label)}"|`;
    lines.push(`  ${e.from} ${arrow}${label} ${e.to}`);
  }
  return `${lines.join('\n')}\n`;
}
