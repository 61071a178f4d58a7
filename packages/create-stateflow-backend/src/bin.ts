#!/usr/bin/env node
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { scaffold, ScaffoldError } from './scaffold.js';

const USAGE = `Usage: npm create stateflow-backend <directory> [-- --target <name>]
       create-stateflow-backend <directory> [--target <name>]

Writes a new StateFlow backend package into <directory> (which must be new or empty),
copied from the backend template: a build step, an engine, and the conformance tests.
The backend's name (stateflow build --target <name>) defaults to the folder name
without "stateflow-", "backend-" and "-backend"; its package is stateflow-backend-<name>,
which the CLI finds by that name.`;

function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { target: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    process.stderr.write(`create-stateflow-backend: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [directory, ...extra] = parsed.positionals;
  if (!directory || extra.length > 0) {
    process.stderr.write(`create-stateflow-backend: give one folder to create${extra.length ? ` (got ${parsed.positionals.length})` : ''}\n\n${USAGE}\n`);
    return 2;
  }
  try {
    const result = scaffold({ directory, ...(parsed.values.target ? { target: parsed.values.target } : {}) });
    const where = relative(process.cwd(), result.directory) || '.';
    process.stdout.write(
      `Created ${result.packageName} in ${where} (${result.files.length} files): the '${result.target}' backend.\n\n` +
        `Next:\n  cd ${where}\n  npm install\n  npm run build\n  npm test          # conformance and the template's tests; needs python3 (or STATEFLOW_PYTHON)\n\n` +
        `Then: stateflow build app.py --target ${result.target} --out build\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof ScaffoldError) {
      process.stderr.write(`create-stateflow-backend: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = main(process.argv.slice(2));
