// Copies the backend template (templates/backend) into dist/template, the files the
// scaffolder writes, plus template.json: the versions of the StateFlow packages built
// with this one (the scaffolded package.json asks for them) and the compiler options.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(here, '../..');
const template = join(root, 'templates/backend');
const out = join(here, 'dist/template');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'files/test/fixtures'), { recursive: true });
for (const part of ['src', 'test', 'README.md', 'vitest.config.ts']) {
  cpSync(join(template, part), join(out, 'files', part), { recursive: true });
}
// The template's CLI test compiles the repository's shop example; the copy ships it.
cpSync(join(root, 'examples/shop/app.py'), join(out, 'files/test/fixtures/shop.py'));

const manifest = readJson(join(template, 'package.json'));
const version = (name) => readJson(join(root, 'packages', name.replace('@stateflow/', ''), 'package.json')).version;
const published = (deps) =>
  Object.fromEntries(
    Object.entries(deps ?? {}).map(([name, range]) => [
      name,
      // `workspace:^` becomes a caret range of the version built here; an explicit
      // `workspace:<range>` (the peer range of @stateflow/ir) keeps its range.
      range === 'workspace:^' ? `^${version(name)}` : range.replace(/^workspace:/, ''),
    ]),
  );
const { composite, ...compilerOptions } = readJson(join(root, 'tsconfig.base.json')).compilerOptions;
void composite;
writeFileSync(
  join(out, 'template.json'),
  `${JSON.stringify(
    {
      peerDependencies: published(manifest.peerDependencies),
      dependencies: published(manifest.dependencies),
      devDependencies: published(manifest.devDependencies),
      compilerOptions,
    },
    null,
    2,
  )}\n`,
);
