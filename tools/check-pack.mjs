// Packs every publishable package with `pnpm pack` (its `prepack` builds it first) and
// checks each tarball as a user would receive it:
//   - it holds README.md, LICENSE, CHANGELOG.md and package.json's `main`/`types`;
//   - no build leftovers (`.tsbuildinfo`, `__pycache__`);
//   - every source map and declaration map names sources that are in the tarball;
//   - package.json has `license`, `engines.node`, and no `workspace:` range left.
// Prints one line per package (packed and unpacked size, file count); exits 1 on a problem.
// Usage: node tools/check-pack.mjs [--keep <dir>]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

function check(dir) {
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
  let unpacked = 0;
  for (const read of files.values()) unpacked += Buffer.byteLength(read());
  const packed = readFileSync(join(out, tarball)).length;
  console.log(`${pkg.name.padEnd(28)} ${(packed / 1024).toFixed(1).padStart(7)} kB packed ${(unpacked / 1024).toFixed(1).padStart(8)} kB unpacked ${String(files.size).padStart(4)} files`);
}

for (const dir of publishable()) check(dir);
if (keepAt < 0) rmSync(out, { recursive: true, force: true });
if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('pack check passed');
