import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What {@link scaffold} needs. */
export interface ScaffoldOptions {
  /** The folder to create (it may exist if it is empty). */
  directory: string;
  /** The backend's name, `stateflow build --target <name>`; derived from the folder name when absent. */
  target?: string;
  /** Where the template is; the copy shipped with this package by default. */
  templateDir?: string;
}

/** What {@link scaffold} wrote. */
export interface ScaffoldResult {
  /** The folder, as an absolute path. */
  directory: string;
  /** `stateflow-backend-<target>`: a name anyone may publish, which `stateflow build --target <target>` loads. */
  packageName: string;
  /** The backend's name. */
  target: string;
  /** The files written, relative to `directory`, sorted. */
  files: string[];
}

/** A mistake in the arguments: the message says what to change. Nothing was written. */
export class ScaffoldError extends Error {
  override name = 'ScaffoldError';
}

interface TemplateManifest {
  peerDependencies: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  compilerOptions: Record<string, unknown>;
}

const TARGET = /^[a-z][a-z0-9-]*$/;

/** `my-backend` → `my`, `stateflow-backend-redis` → `redis`, `kv` → `kv`. */
export function targetFromDirectory(directory: string): string {
  return basename(resolve(directory))
    .toLowerCase()
    .replace(/^stateflow-/, '')
    .replace(/^backend-/, '')
    .replace(/-backend$/, '');
}

function defaultTemplateDir(): string {
  // dist/scaffold.js and src/scaffold.ts both find the copy in dist/template.
  return fileURLToPath(new URL('../dist/template/', import.meta.url));
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, base) : [relative(base, path)];
  });
}

/**
 * Renames the template's backend: its package name, its `name: 'template'`, the
 * `--target template` of its tests and docs, and the path of the example program.
 */
function rename(text: string, packageName: string, target: string): string {
  return text
    .replaceAll('@stateflow/backend-template', packageName)
    .replaceAll("'template'", `'${target}'`)
    .replaceAll('--target template', `--target ${target}`)
    .replaceAll('the template backend', `the ${target} backend`)
    .replaceAll("'../../../examples/shop/app.py'", "'./fixtures/shop.py'");
}

function packageJson(packageName: string, target: string, manifest: TemplateManifest): unknown {
  return {
    name: packageName,
    version: '0.1.0',
    description: `A StateFlow backend: stateflow build app.py --target ${target}`,
    type: 'module',
    engines: { node: '>=20' },
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
    main: './dist/index.js',
    types: './dist/index.d.ts',
    files: ['dist', 'README.md'],
    scripts: { build: 'tsc -p .', typecheck: 'tsc -p . --noEmit', test: 'vitest run' },
    peerDependencies: manifest.peerDependencies,
    dependencies: manifest.dependencies,
    devDependencies: manifest.devDependencies,
  };
}

/**
 * Writes a new backend package into `options.directory`: the template's source, tests and
 * README with the backend renamed, a package.json asking for the published StateFlow
 * packages, and a stand-alone tsconfig.json. Throws {@link ScaffoldError} before writing
 * anything when the folder is not empty or the name is not a valid target.
 */
export function scaffold(options: ScaffoldOptions): ScaffoldResult {
  const directory = resolve(options.directory);
  const target = options.target ?? targetFromDirectory(directory);
  if (!TARGET.test(target)) {
    throw new ScaffoldError(
      `'${target}' cannot be a backend name: use lower-case letters, digits and '-', starting with a letter (pass --target <name> to choose one)`,
    );
  }
  if (existsSync(directory) && (!statSync(directory).isDirectory() || readdirSync(directory).length > 0)) {
    throw new ScaffoldError(`${directory} already exists and is not an empty folder: choose a new folder name`);
  }
  const templateDir = options.templateDir ?? defaultTemplateDir();
  const manifest = JSON.parse(readFileSync(join(templateDir, 'template.json'), 'utf8')) as TemplateManifest;
  // The @stateflow scope is the project's own; stateflow-backend-<name> is the CLI's
  // second guess for --target <name>, and free for anyone to publish.
  const packageName = `stateflow-backend-${target}`;

  const files: string[] = [];
  const write = (path: string, text: string) => {
    mkdirSync(join(directory, path, '..'), { recursive: true });
    writeFileSync(join(directory, path), text);
    files.push(path);
  };
  for (const path of listFiles(join(templateDir, 'files'))) {
    write(path, rename(readFileSync(join(templateDir, 'files', path), 'utf8'), packageName, target));
  }
  write('package.json', `${JSON.stringify(packageJson(packageName, target, manifest), null, 2)}\n`);
  write(
    'tsconfig.json',
    `${JSON.stringify({ compilerOptions: { ...manifest.compilerOptions, rootDir: 'src', outDir: 'dist' }, include: ['src'] }, null, 2)}\n`,
  );
  write('.gitignore', 'node_modules/\ndist/\n');
  return { directory, packageName, target, files: files.sort() };
}
