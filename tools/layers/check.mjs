// The layer check: every import in the workspace against the package's declared
// dependencies and against the layer table in ARCHITECTURE.md.
import { builtinModules } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { listImports } from './imports.mjs';
import { readLayerTable, allows, compareLayerTables } from './layer-table.mjs';
import { listDeclarationFiles, readWorkspace } from './workspace.mjs';

const SCOPE = '@stateflow/';
/** Pages that show the layer table to readers; each must agree with ARCHITECTURE.md. */
const TABLE_COPIES = [{ file: 'apps/docs/contributing/architecture.md', heading: 'Packages and layers' }];
const BUILTINS = new Set(builtinModules);

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
export function packageNameOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The `@types` package that holds the types of `name` (`@scope/x` → `@types/scope__x`). */
function typesPackageOf(name) {
  return '@types/' + (name.startsWith('@') ? name.slice(1).replace('/', '__') : name);
}

function isBuiltin(specifier) {
  return specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0]);
}

/** Where the manifest declares `name`: 'runtime' (dependencies, peer, optional), 'dev', or undefined. */
function declaredAs(manifest, name) {
  if (manifest.dependencies?.[name] || manifest.peerDependencies?.[name] || manifest.optionalDependencies?.[name]) return 'runtime';
  if (manifest.devDependencies?.[name]) return 'dev';
  return undefined;
}

/**
 * Runs the check on the workspace at `root`. With `declarations`, it also reads the built
 * `.d.ts` of each published package (run it after the build): an `import type` leaves no
 * trace in the JS but may in the published types, where a devDependency is not installed.
 * @param {string} workspaceRoot
 * @param {{ declarations?: boolean }} [options]
 * @returns {{ problems: string[], packages: number, files: number, imports: number }}
 */
export function checkWorkspace(workspaceRoot, options = {}) {
  const root = resolve(workspaceRoot);
  const table = readLayerTable(join(root, 'ARCHITECTURE.md'));
  const packages = readWorkspace(root);
  const names = new Set(packages.map((pkg) => pkg.name));
  const problems = [];
  let files = 0;
  let imports = 0;
  // A path belongs to the innermost package whose folder holds it (the root holds `tools/`).
  const inside = (dir, path) => path === dir || path.startsWith(dir + sep);
  const owns = (pkg, path) => inside(pkg.dir, path) && !packages.some((other) => other !== pkg && other.dir.length > pkg.dir.length && inside(other.dir, path));
  const at = (file, line) => `${relative(root, file).split(sep).join('/')}${line ? `:${line}` : ''}`;

  for (const copy of TABLE_COPIES) {
    const file = join(root, copy.file);
    if (!existsSync(file)) continue;
    for (const difference of compareLayerTables(table, readLayerTable(file, copy.heading))) {
      problems.push(`${copy.file}${difference.line ? `:${difference.line}` : ''}: the layer table ${difference.what.startsWith('@') ? 'row ' : ''}${difference.what} (make the two tables agree)`);
    }
  }

  for (const [name, rule] of table) {
    if (!names.has(name)) problems.push(`ARCHITECTURE.md:${rule.line}: the layer table lists ${name}, which is not a package of the workspace (remove the row)`);
  }

  for (const pkg of packages) {
    const rule = table.get(pkg.name);
    const manifestFile = join(pkg.dir, 'package.json');
    if (!rule) {
      problems.push(`${at(manifestFile)}: ${pkg.name} has no row in the layer table of ARCHITECTURE.md (add one with what it may depend on)`);
      continue;
    }

    // The manifest: every workspace dependency must be an arrow the table allows.
    for (const [field, shipped] of [['dependencies', true], ['peerDependencies', true], ['optionalDependencies', true], ['devDependencies', false]]) {
      for (const dep of Object.keys(pkg.manifest[field] ?? {})) {
        if (dep.startsWith(SCOPE) && !allows(rule, dep, shipped)) {
          problems.push(`${at(manifestFile)}: ${field} lists ${dep}, which the layer table (ARCHITECTURE.md:${rule.line}) does not allow ${pkg.name}${shipped ? '' : ' even in tests'}`);
        }
      }
    }

    // The code: every import of every file.
    for (const file of pkg.files) {
      files++;
      const shipped = pkg.isShipped(file);
      for (const ref of listImports(file, readFileSync(file, 'utf8'))) {
        imports++;
        const where = at(file, ref.line);
        const spec = ref.specifier;
        if (spec.startsWith('.') || spec.startsWith('/')) {
          if (!owns(pkg, resolve(dirname(file), spec))) {
            problems.push(`${where}: '${spec}' reaches outside ${pkg.relDir || 'the root package'} (import the other package by its name, through its exports)`);
          }
          continue;
        }
        if (isBuiltin(spec)) continue;
        const dep = packageNameOf(spec);
        if (dep === pkg.name) continue; // a package may import itself through its exports

        if (dep.startsWith(SCOPE) && !allows(rule, dep, shipped)) {
          problems.push(`${where}: ${pkg.name} ${shipped ? '' : '(tests and tools) '}may not import ${dep}: no such arrow in the layer table (ARCHITECTURE.md:${rule.line})`);
        }
        const declared = declaredAs(pkg.manifest, dep) ?? (ref.typeOnly ? declaredAs(pkg.manifest, typesPackageOf(dep)) : undefined);
        if (!declared) {
          const field = shipped ? (ref.typeOnly ? 'dependencies (types only: devDependencies)' : 'dependencies or peerDependencies') : 'devDependencies';
          problems.push(`${where}: imports ${dep}, which ${pkg.relDir || 'the root'}/package.json does not declare (add it to ${field})`);
        } else if (declared === 'dev' && shipped && !ref.typeOnly) {
          problems.push(`${where}: imports ${dep} at run time in published code, but it is only a devDependency (move it to dependencies, or peerDependencies for a package the host provides)`);
        }
      }
    }
  }
  if (options.declarations) {
    for (const pkg of packages) {
      if (!pkg.shippedOutDir || !table.has(pkg.name)) continue;
      const declarationFiles = listDeclarationFiles(pkg.shippedOutDir);
      if (declarationFiles.length === 0) {
        problems.push(`${at(pkg.shippedOutDir)}: no .d.ts files to check; run \`pnpm build\` first`);
        continue;
      }
      for (const file of declarationFiles) {
        files++;
        for (const ref of listImports(file, readFileSync(file, 'utf8'))) {
          imports++;
          const spec = ref.specifier;
          if (spec.startsWith('.') || spec.startsWith('/') || isBuiltin(spec)) continue;
          const dep = packageNameOf(spec);
          if (dep === pkg.name) continue;
          if (declaredAs(pkg.manifest, dep) === 'runtime' || declaredAs(pkg.manifest, typesPackageOf(dep)) === 'runtime') continue;
          const declared = declaredAs(pkg.manifest, dep) ?? declaredAs(pkg.manifest, typesPackageOf(dep));
          problems.push(
            `${at(file, ref.line)}: the published types import ${dep}, which ${declared ? 'is only a devDependency' : 'package.json does not declare'}, so users' type checks fail (declare it in dependencies or peerDependencies, or keep its types out of the exported API)`,
          );
        }
      }
    }
  }
  return { problems, packages: packages.length, files, imports };
}
