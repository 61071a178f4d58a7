// The CLI installed without its optional peers, as `npm install @stateflow/cli` leaves it:
// a project whose node_modules holds copies of the CLI and the client (so that neither can
// reach the workspace's runtime-local, gateway or kafkajs) beside ir, frontend-python,
// the engine harness and backend-flink. The commands that compile must work; the ones
// that need a missing package must say which one to install (exit 2, no stack trace).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../src/cli-error.js';
import { importOptional, isMissingPackage } from '../src/optional-package.js';
import { hasStackTrace, PKG, ROOT } from './run-cli.js';

const SHOP = join(ROOT, 'examples/shop/app.py');
let project: string;
let cache: string;

/** Copies a built package (package.json and dist) into the project: it resolves its imports from there. */
function copyPackage(name: string, from: string, into = project): void {
  const to = join(into, 'node_modules', name);
  mkdirSync(to, { recursive: true });
  cpSync(join(from, 'package.json'), join(to, 'package.json'));
  cpSync(join(from, 'dist'), join(to, 'dist'), { recursive: true });
}

/** Links a workspace package into the project (it resolves its own dependencies from the workspace). */
function linkPackage(name: string, from: string, into = project): void {
  mkdirSync(join(into, 'node_modules', name, '..'), { recursive: true });
  symlinkSync(from, join(into, 'node_modules', name), 'dir');
}

/** The lean project: the CLI and its dependencies (copied or linked), nothing optional. */
function leanProject(dir: string): void {
  mkdirSync(join(dir, 'node_modules/@stateflow'), { recursive: true });
  copyPackage('@stateflow/cli', PKG, dir);
  copyPackage('@stateflow/client', resolve(ROOT, 'packages/client'), dir);
  for (const [name, from] of [
    ['ir', 'packages/ir'],
    ['frontend-python', 'packages/frontend-python'],
    ['engine-harness', 'tools/engines'],
    ['backend-flink', 'packages/backend-flink'],
  ] as const) {
    linkPackage(`@stateflow/${name}`, resolve(ROOT, from), dir);
  }
}

function stateflow(...args: string[]) {
  return stateflowIn(project, ...args);
}

function stateflowIn(dir: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [join(dir, 'node_modules/@stateflow/cli/dist/bin.js'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, STATEFLOW_CACHE: cache },
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'sf-cli-lean-'));
  cache = join(project, 'empty-cache');
  leanProject(project);
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('the CLI without its optional peers', () => {
  it('compiles, draws the graph, generates a client and builds a Flink job', () => {
    const compile = stateflow('compile', SHOP);
    expect(compile.status, compile.stderr).toBe(0);
    expect(JSON.parse(compile.stdout)).toMatchObject({ entities: expect.any(Array) });
    const graph = stateflow('graph', SHOP);
    expect(graph.status, graph.stderr).toBe(0);
    expect(graph.stdout).toMatch(/^(flowchart|graph)/);
    const codegen = stateflow('codegen', 'client', SHOP);
    expect(codegen.status, codegen.stderr).toBe(0);
    expect(codegen.stdout).toContain('createShopClient');
    const build = stateflow('build', SHOP, '--target', 'flink', '--out', join(project, 'job'));
    expect(build.status, build.stderr).toBe(0);
    expect(build.stdout).toMatch(/^built .* for flink in /);
  });

  it.each([
    ['serve', [SHOP, '--port', '0'], '@stateflow/runtime-local'],
    ['state', ['export', SHOP, '--entity', 'User', '--out', 'users.arrow'], '@stateflow/runtime-local'],
    ['run', [SHOP, '--target', 'flink'], '@stateflow/gateway'],
  ])('stateflow %s says to install the package it needs (exit 2, no stack)', (command, args, pkg) => {
    const run = stateflow(command, ...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`this command needs the package ${pkg} (`);
    expect(run.stderr).toContain(`npm install ${pkg}`);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it('stateflow run without the engine set up names the command that sets it up', () => {
    // --port none: no HTTP gateway, so the missing gateway package is not in the way.
    const run = stateflow('run', SHOP, '--target', 'flink', '--port', 'none');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('stateflow engine setup flink');
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it('the Kafka transport without kafkajs: the install message for kafkajs', async () => {
    const kafka = pathToFileURL(join(project, 'node_modules/@stateflow/client/dist/kafka.js')).href;
    const err = await import(kafka).then(() => undefined, (e: unknown) => e);
    expect(isMissingPackage(err, 'kafkajs')).toBe(true);
    const failed = await importOptional('run', 'kafkajs', () => import(kafka)).then(() => undefined, (e: unknown) => e);
    expect(failed).toBeInstanceOf(CliError);
    expect((failed as CliError).exitCode).toBe(2);
    expect((failed as CliError).message).toContain('npm install kafkajs');
  });
});

describe('the embedded runtime without its optional peers (apache-arrow, parquet-wasm)', () => {
  it('stateflow state export says to install apache-arrow', () => {
    // runtime-local copied (so it cannot reach the workspace's apache-arrow), with what it needs.
    const dir = join(project, 'with-runtime');
    leanProject(dir);
    copyPackage('@stateflow/runtime-local', resolve(ROOT, 'packages/runtime-local'), dir);
    linkPackage('@stateflow/python-host', resolve(ROOT, 'packages/python-host'), dir);
    linkPackage('@stateflow/gateway', resolve(ROOT, 'packages/gateway'), dir);
    linkPackage('lmdb', realpathSync(resolve(ROOT, 'packages/runtime-local/node_modules/lmdb')), dir);
    mkdirSync(join(dir, 'data'));
    const run = stateflowIn(dir, 'state', 'export', SHOP, '--entity', 'User', '--data-dir', join(dir, 'data'), '--out', join(dir, 'users.arrow'));
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toContain('this command needs the package apache-arrow (Arrow tables');
    expect(run.stderr).toContain('npm install apache-arrow');
    expect(hasStackTrace(run.stderr)).toBe(false);
  });
});

describe('importOptional', () => {
  const notFound = (pkg: string) => Object.assign(new Error(`Cannot find package '${pkg}' imported from /x/y.js`), { code: 'ERR_MODULE_NOT_FOUND' });

  it('turns a missing optional package into a CliError naming it', async () => {
    const err = await importOptional('serve', '@stateflow/runtime-local', () => Promise.reject(notFound('@stateflow/runtime-local'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
    expect((err as CliError).message).toMatch(/^stateflow serve: this command needs the package @stateflow\/runtime-local \(the embedded runtime/);
  });

  it('rethrows when something else is missing (a broken install is not a missing peer)', async () => {
    const inner = notFound('lmdb');
    await expect(importOptional('serve', '@stateflow/runtime-local', () => Promise.reject(inner))).rejects.toBe(inner);
    const other = new SyntaxError('bad');
    await expect(importOptional('serve', '@stateflow/runtime-local', () => Promise.reject(other))).rejects.toBe(other);
  });
});
