import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { BIN, GENERATED, ROOT } from './paths.js';

/**
 * Runs the real `stateflow codegen client examples/shop/app.py --out <file>` (the built
 * CLI) and returns the path of the generated module and what the command printed.
 */
export function generateShopClient(file = 'shop.ts', extra: string[] = []): { path: string; stdout: string } {
  mkdirSync(GENERATED, { recursive: true });
  const path = resolve(GENERATED, file);
  const stdout = execFileSync(process.execPath, [BIN, 'codegen', 'client', 'examples/shop/app.py', '--out', path, ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { path, stdout };
}
