import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import shop from '@stateflow/ir/test-vectors/shop.ir.json' with { type: 'json' };
import type { Program } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { buildStatefunApp, findStatefunEnv } from '../src/index.js';

const script = fileURLToPath(new URL('./functions_test.py', import.meta.url));
/** The Statefun SDK's Python of tools/engines/statefun/setup.sh, when set up here. */
const python = (() => {
  try {
    return findStatefunEnv().python;
  } catch {
    return undefined;
  }
})();

describe('the generated functions through the Statefun SDK (no JVM)', () => {
  it.skipIf(!python)('route, validate, run the kernel on persisted state and answer on the egress', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-statefun-fn-'));
    try {
      await buildStatefunApp(shop as unknown as Program, dir, { topicPrefix: 'shop' });
      const out = execFileSync(python!, [script, dir], { encoding: 'utf8' });
      expect(out.trim().split('\n').pop()).toMatch(/^ok \d+$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
