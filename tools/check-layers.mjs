// `pnpm lint`: fails when an import in the workspace is not an arrow of the layer table in
// ARCHITECTURE.md, or names a package its package.json does not declare (published code
// must find what it imports at run time in dependencies or peerDependencies).
// The rules and their messages live in tools/layers/check.mjs; its tests in tools/test/.
import { checkWorkspace } from './layers/check.mjs';

// `--root <dir>` checks another workspace (the tests use fixtures); default: this repository.
// `--declarations` (after `pnpm build`) also checks the published .d.ts files.
const rootFlag = process.argv.indexOf('--root');
const root = rootFlag >= 0 ? process.argv[rootFlag + 1] : new URL('..', import.meta.url).pathname;
let result;
try {
  result = checkWorkspace(root, { declarations: process.argv.includes('--declarations') });
} catch (error) {
  // A malformed table or manifest: say where, without a stack trace.
  console.error(`layer check failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const { problems, packages, files, imports } = result;
if (problems.length) {
  console.error(`layer check failed (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`layer check: ${imports} imports in ${files} files of ${packages} packages follow the layer table and their package.json`);
