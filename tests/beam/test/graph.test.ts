import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBeamPipeline, findBeamEnv } from '@stateflow/backend-beam';
import { compile } from '@stateflow/frontend-python';
import { describe, expect, it } from 'vitest';

const SHOP = fileURLToPath(new URL('../../../examples/shop/app.py', import.meta.url));
const GRAPH = fileURLToPath(new URL('./support/graph.py', import.meta.url));

describe("the generated pipeline's Beam graph (built with Beam, not run)", () => {
  it('has no Flatten: each entity step (its state a log) writes through its own shuffle and writer, refusals from the read', async () => {
    const { program } = await compile(readFileSync(SHOP, 'utf8'), { path: 'examples/shop/app.py' });
    const dir = mkdtempSync(join(tmpdir(), 'sf-beam-graph-'));
    try {
      await buildBeamPipeline(program!, dir, {});
      const out = execFileSync(findBeamEnv().python, [GRAPH, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const leaves = JSON.parse(out.trim().split('\n').pop()!) as { name: string; urn: string; state?: { [id: string]: string } }[];
      // Prism runs a Flatten as stages of their own: a scheduling round for every record.
      expect(leaves.filter((t) => t.urn === 'beam:transform:flatten:v1')).toEqual([]);
      const names = leaves.map((t) => t.name);
      for (const entity of ['Item', 'User']) {
        expect(names).toContain(`entity-${entity}`);
        // Each key's entry is a log (one append per pass), beside the one-text cell of
        // earlier pipelines (read when the log is empty).
        expect(leaves.find((t) => t.name === `entity-${entity}`)?.state).toEqual({ log: 'bag_spec', entry: 'read_modify_write_spec' });
        expect(names).toContain(`write-kafka-${entity}`);
        expect(names.some((n) => n.startsWith(`batch-writes-${entity}/`))).toBe(true);
      }
      expect(names).toContain('write-refused');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
