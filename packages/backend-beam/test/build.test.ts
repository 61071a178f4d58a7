import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import shop from '@stateflow/ir/test-vectors/shop.ir.json' with { type: 'json' };
import type { Program } from '@stateflow/ir';
import { afterEach, describe, expect, it } from 'vitest';
import { backend, BeamBuildError, BeamConfigError, buildBeamPipeline, defaultBeamConfig, findBeamEnv, BeamEnvError, resolveBeamConfig } from '../src/index.js';

const program = shop as unknown as Program;
const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sf-backend-beam-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('buildBeamPipeline', () => {
  it('writes pipeline.py, the settings, the kernel with the program, setup.py and a README', async () => {
    const out = temp();
    const artifact = await buildBeamPipeline(program, out, { bootstrap: '127.0.0.1:1234', topicPrefix: 'shop' });
    expect(artifact.files).toEqual(
      expect.arrayContaining([
        'README.md',
        'pipeline.py',
        'setup.py',
        'stateflow-pipeline.json',
        'python/stateflow/__init__.py',
        'python/stateflow_kernel/kernel.py',
        'python/stateflow_kernel/ingress.py',
        'python/stateflow_beam/kafka_io.py',
        'python/stateflow_beam/steps.py',
        'python/stateflow_beam/program.ir.json',
      ]),
    );
    expect(JSON.parse(readFileSync(join(out, 'python/stateflow_beam/program.ir.json'), 'utf8'))).toEqual(program);
    expect(JSON.parse(readFileSync(join(out, 'stateflow-pipeline.json'), 'utf8'))).toMatchObject({ bootstrap: '127.0.0.1:1234', topics: { ingress: 'shop-ingress' } });
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toContain('--runner DataflowRunner');
    expect(readme).toContain('--runner FlinkRunner');
  });

  it("prints the effective settings with the pipeline's own Python (no Beam needed)", async () => {
    const out = temp();
    await buildBeamPipeline(program, out, { topicPrefix: 'p' });
    const python = process.env['STATEFLOW_PYTHON'] ?? 'python3';
    const text = execFileSync(python, [join(out, 'pipeline.py'), '--print-config', '--bootstrap', 'b:1'], { encoding: 'utf8', env: { ...process.env, STATEFLOW_BEAM_EGRESS_TOPIC: 'out' } });
    expect(JSON.parse(text)).toMatchObject({ bootstrap: 'b:1', topics: { ingress: 'p-ingress', egress: 'out' } });
  });

  it('refuses an invalid program with diagnostics', async () => {
    const bad = { ...program, irVersion: '9.0' } as Program;
    await expect(buildBeamPipeline(bad, temp())).rejects.toThrow(BeamBuildError);
  });

  it('is the backend the CLI loads, with its settings declared', async () => {
    expect(backend.name).toBe('beam');
    expect(Object.keys(backend.settings ?? {})).toEqual(expect.arrayContaining(['bootstrap', 'topicPrefix', 'replyTopics', 'pollMs']));
    const artifact = await backend.build(program, { outDir: temp(), config: { pollMs: 5 } }, { log: () => undefined });
    expect((artifact as { config: { pollMs: number } }).config.pollMs).toBe(5);
  });
});

describe('resolveBeamConfig', () => {
  it('derives topics from the module name and applies overrides', () => {
    const name = `stateflow-${program.module.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
    expect(defaultBeamConfig(program).topics.ingress).toBe(`${name}-ingress`);
    const config = resolveBeamConfig(program, { bootstrap: 'k1:9092,k2:9092', topicPrefix: 'shop', replyTopics: 'a, b', egressTopic: 'out', dedupTtlSeconds: 0 });
    expect(config.topics).toEqual({ ingress: 'shop-ingress', internal: 'shop-internal', egress: 'out', deadLetter: 'shop-dead-letter' });
    expect(config.replyTopics).toEqual(['a', 'b']);
    expect(config.dedupTtlSeconds).toBe(0);
    expect(defaultBeamConfig(program).resumeDetached).toBe(true);
    expect(resolveBeamConfig(program, { resumeDetached: 'false' }).resumeDetached).toBe(false);
  });

  it('rejects bad settings with a message naming the key', () => {
    expect(() => resolveBeamConfig(program, { pollMs: 'soon' })).toThrow(new BeamConfigError("pollMs must be a whole number >= 1 (got 'soon')"));
    expect(() => resolveBeamConfig(program, { bootstrap: 'localhost' })).toThrow(/bootstrap must be host:port/);
    expect(() => resolveBeamConfig(program, { topicPrefix: 'a b' })).toThrow(/not a valid Kafka topic name/);
    expect(() => resolveBeamConfig(program, { egressTopic: 'x', ingressTopic: 'x' })).toThrow(/must differ/);
    expect(() => resolveBeamConfig(program, { nope: '1' })).toThrow(/unknown setting 'nope'/);
  });
});

describe('findBeamEnv', () => {
  it('says which script to run when Beam is not set up', () => {
    expect(() => findBeamEnv({ STATEFLOW_CACHE: temp() })).toThrow(BeamEnvError);
    expect(() => findBeamEnv({ STATEFLOW_CACHE: temp() })).toThrow(/stateflow engine setup beam/);
  });

  it('reads beam.env', () => {
    const cache = temp();
    writeFileSync(join(cache, 'py'), '');
    writeFileSync(join(cache, 'prism'), '');
    writeFileSync(join(cache, 'beam.env'), `BEAM_VERSION=2.78.0\nBEAM_PYTHON=${join(cache, 'py')}\nBEAM_PRISM=${join(cache, 'prism')}\n`);
    expect(findBeamEnv({ STATEFLOW_CACHE: cache })).toMatchObject({ python: join(cache, 'py'), prism: join(cache, 'prism'), beamVersion: '2.78.0' });
  });
});
