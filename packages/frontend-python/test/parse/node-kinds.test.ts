import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NAMED_NODE_KINDS, TOKEN_KINDS } from '../../src/parse/node-kind.js';
import { parsePython } from '../../src/parse/index.js';
import { getPythonParser } from '../../src/parse/parser.js';
import type { PyNode } from '../../src/parse/syntax-node.js';
// @ts-expect-error: a plain .mjs script without type declarations
import { renderNodeKinds } from '../../scripts/gen-node-kinds.mjs';

const pkg = fileURLToPath(new URL('../../', import.meta.url));
const repo = join(pkg, '../..');

function files(dir: string, name: RegExp): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(path, name));
    else if (name.test(e.name)) out.push(path);
  }
  return out.sort();
}

describe('node kinds', () => {
  it('are generated from the installed grammar (rerun `pnpm -F @stateflow/frontend-python gen` after an upgrade)', () => {
    const current = readFileSync(join(pkg, 'src/parse/generated/node-kinds.ts'), 'utf8');
    expect(current).toBe((renderNodeKinds as () => string)());
  });

  it('cover every visible kind of the grammar the parser loads', async () => {
    const language = (await getPythonParser()).language!;
    const supertypes = new Set(language.supertypes);
    const kinds = new Set<string>([...NAMED_NODE_KINDS, ...TOKEN_KINDS]);
    const missing: string[] = [];
    let visible = 0;
    for (let id = 0; id < language.nodeTypeCount; id++) {
      const name = language.nodeTypeForId(id);
      if (!name || !language.nodeTypeIsVisible(id) || supertypes.has(id) || name === 'ERROR') continue;
      visible++;
      if (!kinds.has(name)) missing.push(name);
    }
    expect(visible).toBeGreaterThan(200);
    expect(missing).toEqual([]);
  });

  it('cover every node of the fixtures, examples and conformance programs', async () => {
    const named = new Set<string>(NAMED_NODE_KINDS);
    const tokens = new Set<string>(TOKEN_KINDS);
    const sources = [
      ...files(join(pkg, 'test/fixtures'), /^input\.py$/),
      ...files(join(repo, 'examples'), /\.py$/),
      ...files(join(repo, 'packages/conformance/scenarios'), /\.py$/),
    ];
    expect(sources.length).toBeGreaterThan(20);
    const unknown = new Set<string>();
    let nodes = 0;
    for (const path of sources) {
      const { file } = await parsePython(readFileSync(path, 'utf8'), path);
      const stack: PyNode[] = [file.root];
      while (stack.length > 0) {
        const n = stack.pop()!;
        nodes++;
        if (!(n.named ? named : tokens).has(n.type) && n.type !== 'ERROR') unknown.add(`${n.named ? 'named' : 'token'} ${n.type}`);
        stack.push(...n.children);
      }
    }
    expect(nodes).toBeGreaterThan(10_000);
    expect([...unknown]).toEqual([]);
  });

  it('are compared only through the typed guards in src/parse/node-kind.ts', () => {
    const raw = /\.type\s*[!=]==|===?\s*[\w.?!\]]+\.type\b|\.has\([\w.?!\]]+\.type\)|includes\([\w.?!\]]+\.type\)/;
    const found: string[] = [];
    for (const path of files(join(pkg, 'src'), /\.ts$/)) {
      const rel = relative(pkg, path);
      if (rel === join('src', 'parse', 'node-kind.ts') || rel.includes('generated')) continue;
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (raw.test(line)) found.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });
});
