// Fails when a package depends on a workspace package its layer may not use
// (see ARCHITECTURE.md, "Layers"). Backends and runtimes never import the front end.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** Allowed workspace dependencies per package (dependencies and peerDependencies). */
const allowed = {
  '@stateflow/ir': [],
  '@stateflow/frontend-python': ['@stateflow/ir'],
  '@stateflow/python-kernel': [],
  '@stateflow/python-host': ['@stateflow/ir', '@stateflow/python-kernel'],
  '@stateflow/runtime-local': ['@stateflow/ir', '@stateflow/python-host', '@stateflow/python-kernel'],
  '@stateflow/client': ['@stateflow/ir'],
  '@stateflow/conformance': ['@stateflow/ir'],
  '@stateflow/backend-flink': ['@stateflow/ir', '@stateflow/python-kernel'],
  '@stateflow/cli': ['@stateflow/ir', '@stateflow/frontend-python', '@stateflow/runtime-local', '@stateflow/python-host', '@stateflow/client'],
};

const problems = [];
let checked = 0;
for (const dir of readdirSync(join(root, 'packages'))) {
  const file = join(root, 'packages', dir, 'package.json');
  if (!existsSync(file)) continue;
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  const deps = { ...pkg.dependencies, ...pkg.peerDependencies };
  const ours = Object.keys(deps).filter((d) => d.startsWith('@stateflow/'));
  const rule = allowed[pkg.name];
  checked++;
  if (!rule) {
    problems.push(`${pkg.name}: not in the layer table of tools/check-layers.mjs (add it with its allowed dependencies, and to ARCHITECTURE.md)`);
    continue;
  }
  for (const dep of ours) {
    if (!rule.includes(dep)) problems.push(`${pkg.name} -> ${dep}: not allowed by the layer table (ARCHITECTURE.md)`);
  }
}
if (problems.length) {
  console.error(`layer check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`layer check: ${checked} packages follow the layer table`);
