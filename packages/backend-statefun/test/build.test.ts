import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import shop from '@stateflow/ir/test-vectors/shop.ir.json' with { type: 'json' };
import type { Program } from '@stateflow/ir';
import { afterEach, describe, expect, it } from 'vitest';
import { backend, buildStatefunApp, findStatefunEnv, moduleYaml, resolveStatefunConfig, StatefunBuildError, StatefunConfigError, StatefunEnvError } from '../src/index.js';

const program = shop as unknown as Program;
const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sf-backend-statefun-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('buildStatefunApp', () => {
  it('writes module.yaml, the function service with the kernel, the settings, the IR and a README', async () => {
    const out = temp();
    const artifact = await buildStatefunApp(program, out, { bootstrap: '127.0.0.1:1234', topicPrefix: 'shop', servicePort: 18123 });
    expect(artifact.files).toEqual(
      expect.arrayContaining([
        'README.md',
        'module.yaml',
        'service.py',
        'program.ir.json',
        'statefun-app.json',
        'python/stateflow/__init__.py',
        'python/stateflow_kernel/kernel.py',
        'python/stateflow_kernel/ingress.py',
        'python/stateflow_statefun/functions.py',
        'python/stateflow_flink/routing.py',
        'python/stateflow_flink/operator.py',
      ]),
    );
    expect(JSON.parse(readFileSync(join(out, 'program.ir.json'), 'utf8'))).toEqual(program);
    expect(JSON.parse(readFileSync(join(out, 'statefun-app.json'), 'utf8'))).toMatchObject({
      bootstrap: '127.0.0.1:1234',
      topics: { ingress: 'shop-ingress', egress: 'shop-egress', deadLetter: 'shop-dead-letter' },
      service: { port: 18123 },
    });
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toContain('| `stateflow/Item` | the instance key |');
    expect(readme).toContain('Deploy on a Statefun cluster');
  });

  it('renders one endpoint per namespace, the tolerant Kafka ingress and an exactly-once egress', () => {
    const yaml = moduleYaml(resolveStatefunConfig(program, { bootstrap: 'k:9092', topicPrefix: 'shop', servicePort: 18123, transactionTimeoutMs: 30_000 }));
    expect(yaml).toContain('functions: stateflow/*\n  urlPathTemplate: "http://127.0.0.1:18123/statefun"');
    expect(yaml).toContain('functions: stateflow.system/*');
    expect(yaml).toContain('kind: io.stateflow.kafka.v1/ingress');
    expect(yaml).toContain('topic: "shop-ingress"');
    expect(yaml).toContain('target: "stateflow.system/ingress"');
    expect(yaml).toContain('isolation.level: read_committed');
    expect(yaml).toContain('kind: io.statefun.kafka.v1/egress');
    expect(yaml).toContain('    type: exactly-once\n    transactionTimeout: 30000ms');
    expect(moduleYaml(resolveStatefunConfig(program, { egressSemantic: 'at-least-once' }))).toContain('    type: at-least-once\n');
  });

  it('lets callees answer (resumeDetached) by default, and turns it off on request', () => {
    expect(resolveStatefunConfig(program).resumeDetached).toBe(true);
    expect(resolveStatefunConfig(program, { resumeDetached: 'false' }).resumeDetached).toBe(false);
    expect(() => resolveStatefunConfig(program, { resumeDetached: 'no' })).toThrow(new StatefunConfigError("resumeDetached must be true or false (got 'no')"));
  });

  it('refuses invalid IR with SF4xxx diagnostics', async () => {
    const bad = { ...program, irVersion: '9.0.0' } as Program;
    const error = await buildStatefunApp(bad, temp()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StatefunBuildError);
    expect((error as StatefunBuildError).diagnostics.map((d) => d.code)).toEqual(['SF4001']);
  });

  it('is a backend plugin', async () => {
    expect(backend).toMatchObject({ name: 'statefun', capabilities: { exactlyOnce: true, transports: ['kafka'] } });
    const logs: string[] = [];
    const artifact = await backend.build(program, { outDir: temp() }, { log: (m) => logs.push(m) });
    expect(artifact.files).toContain('module.yaml');
    expect(logs[0]).toMatch(/^wrote /);
  });
});

describe('resolveStatefunConfig', () => {
  it('says which setting is wrong and why', () => {
    expect(() => resolveStatefunConfig(program, { paralelism: 2 })).toThrow(/unknown setting 'paralelism'/);
    expect(() => resolveStatefunConfig(program, { egressSemantic: 'twice' })).toThrow(/egressSemantic must be exactly-once or at-least-once/);
    expect(() => resolveStatefunConfig(program, { servicePort: 70000 })).toThrow(StatefunConfigError);
    expect(() => resolveStatefunConfig(program, { bootstrap: 'no port' })).toThrow(/host:port/);
    expect(() => resolveStatefunConfig(program, { ingressTopic: 'x', egressTopic: 'x' })).toThrow(/must differ/);
  });
});

describe('findStatefunEnv', () => {
  it('names the setup script when Statefun is not set up', () => {
    expect(() => findStatefunEnv({ STATEFLOW_CACHE: temp() })).toThrow(StatefunEnvError);
    expect(() => findStatefunEnv({ STATEFLOW_CACHE: temp() })).toThrow(/tools\/engines\/statefun\/setup.sh/);
  });
});
