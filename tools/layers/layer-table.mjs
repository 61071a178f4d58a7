// Reads the layer table from ARCHITECTURE.md ("## Layers"), the one place it is written:
// the doc is the rule, so the two cannot drift apart.
import { existsSync, readFileSync } from 'node:fs';

/**
 * @typedef {object} LayerRule
 * @property {string} layer
 * @property {string} name                the package name
 * @property {Set<string> | 'any'} runtime  what its published code may import (dependencies, peerDependencies)
 * @property {Set<string> | 'any'} dev      what its tests, scripts and configs may import in addition
 * @property {number} line                the table row's line in ARCHITECTURE.md
 */

const SCOPE = '@stateflow/';
/** Columns the table must have, by header; others (a path, a description) may sit between them. */
const COLUMNS = ['layer', 'package', 'may depend on', 'tests and tools may also use'];

function cells(line) {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((cell) => cell.trim());
}

/** `ir, python-kernel` → {@stateflow/ir, @stateflow/python-kernel}; `—` or empty → {}; `any` → 'any'. */
function parseNames(cell, where) {
  const text = cell.replace(/\(nothing of ours\)/, '').trim();
  if (text === 'any') return 'any';
  if (text === '' || text === '—' || text === '-') return new Set();
  const names = new Set();
  for (const part of text.split(',')) {
    const short = part.trim().replace(/^`|`$/g, '');
    if (!/^[a-z0-9][a-z0-9-]*$/.test(short)) {
      throw new Error(`${where}: '${part.trim()}' is not a package short name (write 'ir', 'python-kernel', … or 'any' or '—')`);
    }
    names.add(SCOPE + short);
  }
  return names;
}

/**
 * Parses the first table after the heading `## <heading>` of `file` (ARCHITECTURE.md:
 * `Layers`; the docs site's copy: `Packages and layers`).
 * @returns {Map<string, LayerRule>} by package name
 */
export function readLayerTable(file, heading = 'Layers') {
  if (!existsSync(file)) throw new Error(`${file} is missing: the layer table lives there, under '## ${heading}'`);
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((line) => line.trim() === `## ${heading}`);
  if (at < 0) throw new Error(`${file}: no '## ${heading}' section with the layer table`);
  let start = at + 1;
  while (start < lines.length && !lines[start].trim().startsWith('|')) {
    if (/^##\s/.test(lines[start])) throw new Error(`${file}: the '## ${heading}' section has no table`);
    start++;
  }
  const header = cells(lines[start] ?? '').map((cell) => cell.toLowerCase());
  const index = COLUMNS.map((name) => header.indexOf(name));
  if (index.some((i) => i < 0)) {
    throw new Error(`${file}:${start + 1}: the layer table needs the columns | ${COLUMNS.join(' | ')} |`);
  }
  const rules = new Map();
  for (let i = start + 2; i < lines.length && lines[i].trim().startsWith('|'); i++) {
    const where = `${file}:${i + 1}`;
    const [layer, pkg, runtime, dev] = index.map((column) => cells(lines[i])[column] ?? '');
    const name = /`([^`]+)`/.exec(pkg)?.[1];
    if (!name) throw new Error(`${where}: the package cell must hold the package name in backticks`);
    if (rules.has(name)) throw new Error(`${where}: ${name} has two rows`);
    rules.set(name, { layer, name, runtime: parseNames(runtime, where), dev: parseNames(dev, where), line: i + 1 });
  }
  return rules;
}

/** Describes how the rows of `copy` differ from `source` (empty when they agree). */
export function compareLayerTables(source, copy) {
  const show = (set) => (set === 'any' ? 'any' : [...set].map((n) => n.slice(SCOPE.length)).sort().join(', ') || '—');
  const differences = [];
  for (const [name, rule] of source) {
    const other = copy.get(name);
    if (!other) {
      differences.push({ name, line: undefined, what: `has no row for ${name}` });
      continue;
    }
    for (const [field, label] of [['layer', 'layer'], ['runtime', 'may depend on'], ['dev', 'tests and tools may also use']]) {
      const [a, b] = field === 'layer' ? [rule.layer, other.layer] : [show(rule[field]), show(other[field])];
      if (a !== b) differences.push({ name, line: other.line, what: `${name}: '${label}' is '${b}', ARCHITECTURE.md:${rule.line} says '${a}'` });
    }
  }
  for (const [name, other] of copy) {
    if (!source.has(name)) differences.push({ name, line: other.line, what: `lists ${name}, which ARCHITECTURE.md does not` });
  }
  return differences;
}

/** True when `rule` lets code of the given kind import the workspace package `dep`. */
export function allows(rule, dep, shipped) {
  const has = (set) => set === 'any' || set.has(dep);
  return has(rule.runtime) || (!shipped && has(rule.dev));
}
