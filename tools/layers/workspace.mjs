// The workspace as the layer check sees it: each package's manifest, which of its files
// it publishes, and every TypeScript/JavaScript file it holds.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { SOURCE_EXTENSIONS } from './imports.mjs';

/** Folders never read: installs, build output, caches. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.turbo', '.git', '.venv', 'coverage', '__pycache__']);
/** VitePress keeps its bundler cache here. */
const SKIPPED_PATHS = [join('.vitepress', 'cache')];

/**
 * @typedef {object} WorkspacePackage
 * @property {string} name
 * @property {string} dir        absolute
 * @property {string} relDir     relative to the workspace root ('' for the root)
 * @property {any} manifest      package.json
 * @property {(file: string) => boolean} isShipped  true for a source file whose code is published
 * @property {string | undefined} shippedOutDir     the published folder tsc writes into (`dist`)
 * @property {string[]} files    absolute paths of its source files
 */

/**
 * Reads `packages:` from pnpm-workspace.yaml. Only plain folders and `folder/*` are
 * supported, which is all this repository uses; anything else is an error, not a guess.
 */
function readWorkspaceGlobs(root) {
  const file = join(root, 'pnpm-workspace.yaml');
  if (!existsSync(file)) return [];
  const globs = [];
  let inPackages = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\S/.test(line)) inPackages = line.trim() === 'packages:';
    else if (inPackages && line.trim().startsWith('- ')) globs.push(line.trim().slice(2).trim().replace(/^['"]|['"]$/g, ''));
  }
  for (const glob of globs) {
    if (/[*?[{!]/.test(glob.replace(/\/\*$/, ''))) {
      throw new Error(`pnpm-workspace.yaml: the layer check understands 'dir' and 'dir/*' entries only, not '${glob}' (extend tools/layers/workspace.mjs)`);
    }
  }
  return globs;
}

function packageDirs(root) {
  const dirs = [];
  for (const glob of readWorkspaceGlobs(root)) {
    if (glob.endsWith('/*')) {
      const parent = join(root, glob.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        if (entry.isDirectory() && existsSync(join(parent, entry.name, 'package.json'))) dirs.push(join(parent, entry.name));
      }
    } else if (existsSync(join(root, glob, 'package.json'))) {
      dirs.push(join(root, glob));
    }
  }
  return dirs.sort();
}

function listSourceFiles(dir, excludedDirs) {
  const out = [];
  const walk = (current) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name) || excludedDirs.has(path) || SKIPPED_PATHS.some((p) => path.endsWith(sep + p))) continue;
        // A folder with its own pnpm-workspace.yaml is another workspace (the checker's test fixtures).
        if (existsSync(join(path, 'pnpm-workspace.yaml'))) continue;
        walk(path);
      } else if (SOURCE_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
        out.push(path);
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** The source files the package's tsconfig compiles, and where the output goes. */
function readTsconfig(dir) {
  const file = join(dir, 'tsconfig.json');
  if (!existsSync(file)) return undefined;
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error) throw new Error(`${file}: ${ts.flattenDiagnosticMessageText(read.error.messageText, '\n')}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dir);
  return { compiled: new Set(parsed.fileNames.map((f) => join(f))), outDir: parsed.options.noEmit ? undefined : parsed.options.outDir };
}

/** True when `rel` is covered by the plain `files` entry `entry` (the entry itself or below it). */
function coveredBy(rel, entry) {
  const clean = entry.replace(/^\.\//, '').replace(/\/$/, '');
  return rel === clean || rel.startsWith(clean + '/');
}

/**
 * Decides which source files a package publishes: those listed in `files`, and those its
 * tsconfig compiles into a listed output folder. A package without `files` publishes
 * everything unless it is private.
 */
function shippedTest(dir, manifest) {
  if (!Array.isArray(manifest.files)) return { isShipped: () => !manifest.private, shippedOutDir: undefined };
  // An exclusion ('!dist/.tsbuildinfo') only removes files from the tarball; counting them
  // as shipped anyway keeps the check on the strict side.
  const entries = manifest.files.filter((entry) => !entry.startsWith('!'));
  for (const entry of entries) {
    if (/[*?[{!]/.test(entry)) {
      throw new Error(`${join(dir, 'package.json')}: the layer check understands plain paths in "files", not '${entry}' (extend tools/layers/workspace.mjs)`);
    }
  }
  const config = readTsconfig(dir);
  const outRel = config?.outDir ? relative(dir, config.outDir).split(sep).join('/') : undefined;
  const outShipped = outRel !== undefined && entries.some((entry) => coveredBy(outRel, entry));
  const isShipped = (file) => {
    const rel = relative(dir, file).split(sep).join('/');
    if (entries.some((entry) => coveredBy(rel, entry))) return true;
    return outShipped && config.compiled.has(file);
  };
  return { isShipped, shippedOutDir: outShipped ? config.outDir : undefined };
}

function readPackage(root, dir, excludedDirs) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return {
    name: manifest.name,
    dir,
    relDir: relative(root, dir).split(sep).join('/'),
    manifest,
    ...shippedTest(dir, manifest),
    files: listSourceFiles(dir, excludedDirs),
  };
}

/**
 * Every package of the workspace at `root`, the root package last (its files are those
 * outside every other package, e.g. `tools/`).
 * @returns {WorkspacePackage[]}
 */
export function readWorkspace(workspaceRoot) {
  const root = resolve(workspaceRoot);
  const dirs = packageDirs(root);
  const packages = dirs.map((dir) => readPackage(root, dir, new Set()));
  if (existsSync(join(root, 'package.json'))) packages.push(readPackage(root, root, new Set(dirs)));
  return packages;
}

/** The `.d.ts` files under `dir` (a package's build output), for the declarations check. */
export function listDeclarationFiles(dir) {
  const out = [];
  const walk = (current) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.d\.[mc]?ts$/.test(entry.name)) out.push(path);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}
