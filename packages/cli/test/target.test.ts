import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backend as flink } from '@stateflow/backend-flink';
import { cli, hasStackTrace, ROOT } from './run-cli.js';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sf-cli-target-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('stateflow build --target', () => {
  it('writes the Flink job directory', async () => {
    const out = join(temp(), 'job');
    const run = await cli(['build', 'examples/shop/app.py', '--target', 'flink', '--out', out, '--bootstrap', 'broker:9092', '--set', 'replyTopics=replies']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^built examples\/shop\/app.py for flink in .*job \(\d+ files\)\n$/);
    for (const f of ['job.py', 'program.ir.json', 'README.md', 'python/stateflow_kernel/kernel.py']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'stateflow-job.json'), 'utf8'))).toMatchObject({ bootstrap: 'broker:9092', replyTopics: ['replies'] });
  });

  it('names the package to install when the backend is missing (exit 2)', async () => {
    const run = await cli(['build', 'examples/shop/app.py', '--target', 'nosuchengine', '--out', temp()]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('needs the package @stateflow/backend-nosuchengine (or stateflow-backend-nosuchengine), which is not installed');
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it("finds a third party's backend: stateflow-backend-<name>, or any package by its full name", async () => {
    const project = temp();
    // A backend that writes one file naming itself: enough to see which package ran.
    const install = (name: string, target: string) => {
      const dir = join(project, 'node_modules', ...name.split('/'));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', exports: './index.js' }));
      writeFileSync(
        join(dir, 'index.js'),
        `import { mkdirSync, writeFileSync } from 'node:fs';
export const backend = { name: '${target}', irVersions: '*', capabilities: {}, async build(program, { outDir }) {
  mkdirSync(outDir, { recursive: true }); writeFileSync(outDir + '/built-by', '${name}');
  return { outDir, files: ['built-by'] };
} };
`,
      );
    };
    install('stateflow-backend-acme', 'acme');
    install('@acme/stateflow-backend', 'acme-scoped');
    const app = join(ROOT, 'examples/shop/app.py');
    for (const [target, name] of [['acme', 'stateflow-backend-acme'], ['@acme/stateflow-backend', '@acme/stateflow-backend'], ['stateflow-backend-acme', 'stateflow-backend-acme']]) {
      const out = join(project, `out-${name.replace(/\W/g, '-')}`);
      const run = await cli(['build', app, '--target', target!, '--out', out], { cwd: project });
      expect(run.status, run.stderr).toBe(0);
      expect(readFileSync(join(out, 'built-by'), 'utf8')).toBe(name);
    }
    const missing = await cli(['build', app, '--target', '@acme/nothing', '--out', project], { cwd: project });
    expect([missing.status, missing.stderr.trim()]).toEqual([
      2,
      "stateflow build: the '@acme/nothing' target needs the package @acme/nothing, which is not installed; install it next to the CLI (e.g. pnpm add -D @acme/nothing) and run again",
    ]);
    const bad = await cli(['build', app, '--target', 'Not A Name', '--out', project]);
    expect([bad.status, bad.stderr.split('\n')[0]]).toEqual([
      2,
      "stateflow build: --target must be a backend name such as flink, or a backend's package name such as @acme/stateflow-backend (got 'Not A Name')",
    ]);
  });

  it('reports bad settings and missing flags as usage errors', async () => {
    const bad = await cli(['build', 'examples/shop/app.py', '--target', 'flink', '--out', temp(), '--parallelism', 'x']);
    expect([bad.status, bad.stderr.split('\n')[0]]).toEqual([2, "stateflow build: --parallelism: parallelism must be a whole number >= 1 (got 'x')"]);
    const unknown = await cli(['build', 'examples/shop/app.py', '--target', 'flink', '--out', temp(), '--set', 'paralelism=2']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^stateflow build: unknown setting 'paralelism' for the flink backend \(settings: bootstrap, parallelism, /);
    const noTarget = await cli(['build', 'examples/shop/app.py', '--out', temp()]);
    expect([noTarget.status, noTarget.stderr.split('\n')[0]]).toEqual([2, 'stateflow build: missing --target (e.g. --target flink)']);
    // A flag of the flink backend is not an option without --target flink.
    expect((await cli(['build', 'examples/shop/app.py', '--out', temp(), '--bootstrap', 'x:1'])).stderr).toMatch(/Unknown option '--bootstrap'/);
  });

  it('passes typed settings to the backend: flags and --set alike', async () => {
    const out = join(temp(), 'job');
    const run = await cli(['build', 'examples/shop/app.py', '--target', 'flink', '--out', out, '--set', 'parallelism=3', '--set', 'replyTopics= a, b ,']);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'stateflow-job.json'), 'utf8'))).toMatchObject({ parallelism: 3, replyTopics: ['a', 'b'] });
  });

  it('lists the settings the backend declares in --help, and none without a target', async () => {
    const help = await cli(['build', '--target', 'flink', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Settings of the flink backend (@stateflow/backend-flink):');
    expect(help.stdout).toMatch(/^ {2}--checkpoint-interval <ms> +checkpoint interval in ms, .*\(default 200\)$/m);
    expect(help.stdout).toMatch(/^ {2}--set transactionTimeoutMs=<n> +Kafka transaction timeout in ms \(default 60000\)$/m);
    const plain = await cli(['build', '--help']);
    expect(plain.stdout).not.toContain('--bootstrap');
    expect(plain.stdout).toContain('stateflow build --target flink --help');
    expect((await cli(['run', '--target', 'flink', '--help'])).stdout).toMatch(/^ {2}--topic-prefix <p> /m);
  });
});

describe('the CLI reference (apps/docs/reference/cli.md)', () => {
  it("lists every setting the flink backend declares, with its flag and default", () => {
    const page = readFileSync(join(ROOT, 'apps/docs/reference/cli.md'), 'utf8');
    for (const [name, s] of Object.entries(flink.settings ?? {}) as [string, { flag?: string; default?: unknown }][]) {
      const row = page.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${name}\``));
      expect(row, `no row for ${name}`).toBeDefined();
      if (s.flag) expect(row, name).toContain(`--${s.flag}`);
      if (s.default !== undefined) expect(row, name).toContain(String(s.default));
    }
  });
});

describe('stateflow run --target flink', () => {
  it('says which script to run when PyFlink is not set up (exit 1)', async () => {
    const cache = temp();
    const saved = process.env['STATEFLOW_CACHE'];
    process.env['STATEFLOW_CACHE'] = cache;
    const run = await cli(['run', 'examples/shop/app.py', '--target', 'flink']).finally(() => {
      if (saved === undefined) delete process.env['STATEFLOW_CACHE'];
      else process.env['STATEFLOW_CACHE'] = saved;
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('PyFlink is not set up');
    expect(run.stderr).toContain('stateflow engine setup flink');
    expect(hasStackTrace(run.stderr)).toBe(false);
  });
});
