import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventSchema, irSchema } from '../dist/index.js';

const root = new URL('../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));

describe('package exports', () => {
  it('point at files that exist after the build', () => {
    for (const [subpath, target] of Object.entries<any>(pkg.exports)) {
      const files = typeof target === 'string' ? [target] : Object.values<string>(target);
      for (const file of files) expect(existsSync(fileURLToPath(new URL(file, root))), `${subpath} -> ${file}`).toBe(true);
    }
    expect(Object.keys(pkg.exports)).toEqual([
      '.',
      './ir.schema.json',
      './event.schema.json',
      './test-vectors/values.json',
      './test-vectors/request-values.json',
      './test-vectors/shop.ir.json',
      './test-vectors/bank.ir.json',
      './package.json',
    ]);
  });

  it('ship the schemas as JSON equal to the exported schema objects', () => {
    const read = (name: string): unknown => JSON.parse(readFileSync(new URL(`dist/${name}`, root), 'utf8'));
    expect(read('ir.schema.json')).toEqual(irSchema);
    expect(read('event.schema.json')).toEqual(eventSchema);
  });

  it('have only ajv as a runtime dependency', () => {
    expect(Object.keys(pkg.dependencies)).toEqual(['ajv']);
  });
});
