import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Program } from '@stateflow/ir';
import { afterEach, describe, expect, it } from 'vitest';
import { backend, buildCloudburstDeployment, CloudburstBuildError, CloudburstConfigError, CloudburstEnvError, findCloudburstEnv } from '../src/index.js';

const program = JSON.parse(readFileSync(new URL('./fixtures/transfers.ir.json', import.meta.url), 'utf8')) as Program;
const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sf-backend-cloudburst-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('buildCloudburstDeployment', () => {
  it('writes the function folder (Cloudburst function, registration, gateway, kernel, program) and a README', async () => {
    const out = temp();
    const artifact = await buildCloudburstDeployment(program, out);
    expect(artifact.files).toEqual(
      expect.arrayContaining([
        'README.md',
        'function/program.ir.json',
        'function/stateflow-cloudburst.json',
        'function/stateflow/__init__.py',
        'function/stateflow_kernel/kernel.py',
        'function/stateflow_kernel/ingress.py',
        'function/stateflow_cloudburst/function.py',
        'function/stateflow_cloudburst/register.py',
        'function/stateflow_cloudburst/gateway.py',
        'program.ir.json',
        'stateflow-cloudburst.json',
      ]),
    );
    expect(artifact.files.some((f) => f.includes('__pycache__'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'function', 'program.ir.json'), 'utf8'))).toEqual(program);
    const config = JSON.parse(readFileSync(join(out, 'stateflow-cloudburst.json'), 'utf8'));
    expect(config).toEqual({ name: 'stateflow-transfers', maxHops: 10000, gatewayPort: 9310, connections: 4, callTimeoutSeconds: 30 });
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('python -m stateflow_cloudburst.register');
  });

  it('applies settings and refuses bad ones with the setting named', async () => {
    const out = temp();
    const artifact = await buildCloudburstDeployment(program, out, { name: 'bank', connections: '2' });
    expect(artifact.config.name).toBe('bank');
    expect(artifact.config.connections).toBe(2);
    await expect(buildCloudburstDeployment(program, temp(), { connections: '9' })).rejects.toThrow(/connections must be a whole number from 1 to 8/);
    await expect(buildCloudburstDeployment(program, temp(), { name: 'a|b' })).rejects.toThrow(CloudburstConfigError);
    await expect(buildCloudburstDeployment(program, temp(), { nope: 1 })).rejects.toThrow(/unknown setting 'nope'/);
  });

  it('refuses IR it cannot run', async () => {
    await expect(buildCloudburstDeployment({ ...program, irVersion: '9.0' } as Program, temp())).rejects.toThrow(CloudburstBuildError);
  });

  it('is the backend plugin named cloudburst, reached through the lambda transport', () => {
    expect(backend.name).toBe('cloudburst');
    expect(backend.capabilities.transports).toEqual(['lambda']);
    expect(Object.keys(backend.settings ?? {})).toEqual(['name', 'maxHops', 'gatewayPort', 'connections', 'callTimeoutSeconds']);
  });

  it('names the build script when Cloudburst is not built', () => {
    expect(() => findCloudburstEnv({ STATEFLOW_CACHE: temp() })).toThrow(CloudburstEnvError);
    expect(() => findCloudburstEnv({ STATEFLOW_CACHE: temp() })).toThrow(/tools\/engines\/cloudburst\/build\.sh --src DIR/);
  });
});
