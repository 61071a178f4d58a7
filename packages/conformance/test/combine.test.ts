import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const combinePy = fileURLToPath(new URL('../reference/combine.py', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'stateflow-combine-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Writes scenario folders `<feature>/<name>` (app.py + scenario.json) and runs combine.py on them. */
function combine(apps: { [id: string]: { source: string; steps?: unknown[] } }) {
  const dirs = Object.entries(apps).map(([id, { source, steps }]) => {
    const dir = join(work, id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'app.py'), source);
    writeFileSync(join(dir, 'scenario.json'), JSON.stringify(steps ?? []));
    return dir;
  });
  return JSON.parse(execFileSync(process.env['STATEFLOW_PYTHON'] ?? 'python3', [combinePy, ...dirs], { encoding: 'utf8' })) as {
    source: string;
    renames: { [id: string]: { [name: string]: string } };
    excluded: { [id: string]: string };
  };
}

const node = (extra = '') => `from stateflow import stateflow
from typing import List

RATE = 2

@stateflow
class Node:
    def __init__(self, k: str):
        self.k: str = k

    def link(self, other: "Node", more: List["Node"]) -> "Node":
        global RATE
        return other${extra}

    def __key__(self):
        return self.k
`;

describe('reference/combine.py', () => {
  it('renames the module-level names two programs share, everywhere they are used, and nothing else', () => {
    const out = combine({ 'a/one': { source: node() }, 'a/two': { source: node() }, 'b/alone': { source: 'from typing import List\n\ndef solo() -> int:\n    return 1\n' } });
    expect(out.renames).toEqual({ 'a/one': { Node: 'Node_sfc0', RATE: 'RATE_sfc0' }, 'a/two': { Node: 'Node_sfc1', RATE: 'RATE_sfc1' }, 'b/alone': {} });
    expect(out.excluded).toEqual({});
    expect(out.source).toContain('class Node_sfc0:');
    expect(out.source).toContain("def link(self, other: 'Node_sfc1', more: List['Node_sfc1']) -> 'Node_sfc1':");
    expect(out.source).toContain('global RATE_sfc0');
    // The same import in several programs is no clash; `link` is a method, not renamed.
    expect(out.source).not.toMatch(/List_sfc|link_sfc|solo_sfc/);
  });

  it('leaves out a program whose parameter has a renamed name, and one whose steps name another program\'s entity', () => {
    const out = combine({
      'a/one': { source: node() },
      'a/param': { source: node().replace('more: List["Node"]', 'RATE: int') },
      'a/foreign': { source: 'def f() -> int:\n    return 1\n', steps: [{ op: 'create', entity: 'Node', args: ['x'] }] },
    });
    expect(Object.keys(out.renames)).toEqual(['a/one']);
    expect(out.excluded).toEqual({
      'a/param': "parameter 'RATE' has the name of a renamed module-level name",
      'a/foreign': 'its steps name Node, which another scenario defines',
    });
  });
});
