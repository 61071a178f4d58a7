import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import shop from '@stateflow/ir/test-vectors/shop.ir.json' with { type: 'json' };
import type { Program } from '@stateflow/ir';
import { afterEach, describe, expect, it } from 'vitest';
import { backend, buildFlinkJob, findFlinkEnv, FlinkBuildError, FlinkEnvError } from '../src/index.js';

const program = shop as unknown as Program;
const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sf-backend-flink-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('buildFlinkJob', () => {
  it('writes job.py, the config, the IR, the kernel and a README', async () => {
    const out = temp();
    const artifact = await buildFlinkJob(program, out, { bootstrap: '127.0.0.1:1234', topicPrefix: 'shop' });
    expect(artifact.files).toEqual(
      expect.arrayContaining([
        'README.md',
        'job.py',
        'program.ir.json',
        'stateflow-job.json',
        'python/stateflow/__init__.py',
        'python/stateflow_kernel/kernel.py',
        'python/stateflow_kernel/ingress.py',
        'python/stateflow_flink/routing.py',
        'python/stateflow_flink/operator.py',
      ]),
    );
    expect(JSON.parse(readFileSync(join(out, 'program.ir.json'), 'utf8'))).toEqual(program);
    const config = JSON.parse(readFileSync(join(out, 'stateflow-job.json'), 'utf8'));
    expect(config).toMatchObject({ bootstrap: '127.0.0.1:1234', topics: { ingress: 'shop-ingress' } });
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('flink run -py job.py -pyfs python');
  });

  it('writes one sink for every output by default; job.py refuses a layout it cannot run before starting Flink', async () => {
    const out = temp();
    await buildFlinkJob(program, out, { topicPrefix: 'shop' });
    const file = join(out, 'stateflow-job.json');
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written.sinks).toBe('single');
    const python = process.env['STATEFLOW_PYTHON'] ?? 'python3';
    const job = (config: object, env: NodeJS.ProcessEnv = {}, args: string[] = []) => {
      writeFileSync(file, JSON.stringify(config));
      return spawnSync(python, [join(out, 'job.py'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    };
    const printed = job(written, { STATEFLOW_FLINK_SINKS: 'per-output' }, ['--print-config']);
    expect(JSON.parse(printed.stdout).sinks).toBe('per-output');
    const pooled = job({ ...written, sinks: 'single', transactionNaming: 'pooling' });
    expect(pooled.status).toBe(2);
    expect(pooled.stdout).toContain("JOB_ERROR transactionNaming 'pooling' needs sinks 'per-output'");
    const unknown = job({ ...written, sinks: 'two' });
    expect(unknown.status).toBe(2);
    expect(unknown.stdout).toContain("JOB_ERROR sinks must be single or per-output (got 'two')");
  });

  it('refuses invalid IR with SF4xxx diagnostics', async () => {
    const bad = { ...program, irVersion: '9.0.0' } as Program;
    const error = await buildFlinkJob(bad, temp()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlinkBuildError);
    expect((error as FlinkBuildError).diagnostics.map((d) => d.code)).toEqual(['SF4001']);
  });

  it('is a backend plugin', async () => {
    expect(backend).toMatchObject({ name: 'flink', capabilities: { exactlyOnce: true, transports: ['kafka'] } });
    const logs: string[] = [];
    const artifact = await backend.build(program, { outDir: temp() }, { log: (m) => logs.push(m) });
    expect(artifact.files).toContain('job.py');
    expect(logs[0]).toMatch(/^wrote /);
  });
});

describe('findFlinkEnv', () => {
  it('names the setup script when PyFlink is not set up', () => {
    expect(() => findFlinkEnv({ STATEFLOW_CACHE: temp() })).toThrow(FlinkEnvError);
    expect(() => findFlinkEnv({ STATEFLOW_CACHE: temp() })).toThrow(/run: stateflow engine setup flink/);
  });

  it('reads flink.env', () => {
    const cache = temp();
    writeFileSync(join(cache, 'py'), '');
    writeFileSync(join(cache, 'kafka.jar'), '');
    writeFileSync(join(cache, 'flink.env'), `FLINK_VERSION=2.3.0\nFLINK_PYTHON=${join(cache, 'py')}\nFLINK_KAFKA_JAR=${join(cache, 'kafka.jar')}\n`);
    expect(findFlinkEnv({ STATEFLOW_CACHE: cache })).toMatchObject({ python: join(cache, 'py'), kafkaJar: join(cache, 'kafka.jar'), flinkVersion: '2.3.0' });
  });
});
