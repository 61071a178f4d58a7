// Packs every publishable package with `pnpm pack` (its `prepack` builds it first) and
// checks each tarball as a user would receive it:
//   - it holds README.md, LICENSE, CHANGELOG.md and package.json's `main`/`types`;
//   - no build leftovers (`.tsbuildinfo`, `__pycache__`);
//   - every source map and declaration map names sources that are in the tarball;
//   - package.json has `license`, `engines.node`, and no `workspace:` range left;
//   - publint (strict: its warnings count) finds nothing wrong with package.json and the files;
//   - are-the-types-wrong (`@arethetypeswrong/core`) resolves every entry point's types and
//     code alike under node16 ESM and bundler resolution (the packages are ESM only, so the
//     node10 and node16-from-CJS columns are ignored, as attw's `esm-only` profile does).
// Prints one line per package (packed and unpacked size, file count); exits 1 on a problem.
// Usage: node tools/check-pack.mjs [--keep <dir>]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { problemAffectsResolutionKind, problemKindInfo } from '@arethetypeswrong/core/problems';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const keepAt = process.argv.indexOf('--keep');
const out = keepAt > 0 ? resolve(process.argv[keepAt + 1]) : mkdtempSync(join(tmpdir(), 'stateflow-pack-'));
const problems = [];

/** The workspace's publishable packages (not private), from packages/* and tools/engines (the engine scripts `stateflow engine` runs). */
function publishable() {
  return [...readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name)), join(root, 'tools', 'engines')]
    .filter((dir) => {
      try {
        return !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private;
      } catch {
        return false;
      }
    });
}

/** Reads every file of a .tgz into a map of path (without `package/`) to content. */
function readTarball(file) {
  const listing = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const files = new Map();
  for (const path of listing) {
    if (path.endsWith('/')) continue;
    files.set(path.replace(/^package\//, ''), () => execFileSync('tar', ['-xzOf', file, path], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  }
  return files;
}

/** Resolution modes a user of an ESM-only package can have (attw's `esm-only` profile). */
const RESOLUTIONS = ['node16-esm', 'bundler'];

async function lint(tarballPath, pkg, say) {
  const data = readFileSync(tarballPath);
  const { messages } = await publint({ pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.length) }, strict: true, level: 'warning' });
  for (const message of messages) say(`publint ${message.type}: ${formatMessage(message, pkg, { color: false }) ?? message.code}`);
  const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(data)));
  if (!analysis.types) return say('are-the-types-wrong: the package ships no types');
  for (const problem of analysis.problems) {
    const kinds = RESOLUTIONS.filter((kind) => problemAffectsResolutionKind(problem, kind, analysis));
    if (kinds.length === 0) continue;
    const where = 'entrypoint' in problem ? ` at ${problem.entrypoint}` : '';
    say(`are-the-types-wrong ${problem.kind}${where} (${kinds.join(', ')}): ${problemKindInfo[problem.kind].description}`);
  }
}

async function check(dir) {
  const before = new Set(readdirSync(out));
  execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = readdirSync(out).find((f) => f.endsWith('.tgz') && !before.has(f));
  const files = readTarball(join(out, tarball));
  const pkg = JSON.parse(files.get('package.json')());
  const say = (what) => problems.push(`${pkg.name}: ${what}`);
  for (const needed of ['README.md', 'LICENSE', 'CHANGELOG.md', pkg.main, pkg.types].filter(Boolean)) {
    if (!files.has(needed.replace(/^\.\//, ''))) say(`the tarball lacks ${needed}`);
  }
  for (const path of files.keys()) {
    if (/\.tsbuildinfo$|__pycache__/.test(path)) say(`the tarball holds a build leftover: ${path}`);
    if (!path.endsWith('.map')) continue;
    const map = JSON.parse(files.get(path)());
    for (const source of map.sources ?? []) {
      const target = posix.normalize(posix.join(posix.dirname(path), map.sourceRoot ?? '', source));
      if (!files.has(target)) say(`${path} points at ${target}, which is not in the tarball (a file left in dist by an older build, which turbo may have cached too? rm -rf dist, then pnpm turbo run build --force)`);
    }
  }
  if (pkg.license !== 'Apache-2.0') say(`license is ${pkg.license}, not Apache-2.0`);
  if (!pkg.engines?.node) say('package.json has no engines.node');
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      if (String(range).startsWith('workspace:')) say(`${field}.${name} is still ${range}`);
    }
  }
  await lint(join(out, tarball), pkg, say);
  let unpacked = 0;
  for (const read of files.values()) unpacked += Buffer.byteLength(read());
  const packed = readFileSync(join(out, tarball)).length;
  console.log(`${pkg.name.padEnd(28)} ${(packed / 1024).toFixed(1).padStart(7)} kB packed ${(unpacked / 1024).toFixed(1).padStart(8)} kB unpacked ${String(files.size).padStart(4)} files`);
}

for (const dir of publishable()) await check(dir);
if (keepAt < 0) rmSync(out, { recursive: true, force: true });
if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('pack check passed (tarball contents, publint, are-the-types-wrong)');
