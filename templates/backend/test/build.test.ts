import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Program } from '@stateflow/ir';
import { backend, InvalidProgramError, readArtifact, TemplateConfigError } from '../src/index.js';

const work = mkdtempSync(join(tmpdir(), 'stateflow-template-build-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const program = createRequire(import.meta.url)('@stateflow/ir/test-vectors/shop.ir.json') as Program;

describe('backend', () => {
  it('declares its name, IR range and capabilities', () => {
    expect(backend.name).toBe('template');
    expect(backend.irVersions).toBe('^0.1 || ^0.2');
    expect(backend.capabilities).toEqual({ exactlyOnce: false, durableState: false, deduplicatesRequests: true, transports: ['in-process'] });
  });

  it('build writes program.ir.json and deployment.json, logs them, and readArtifact reads them back', async () => {
    const logged: string[] = [];
    const outDir = join(work, 'shop');
    const artifact = await backend.build(program, { outDir, config: { maxHops: '50' } }, { log: (m) => logged.push(m) });
    expect(artifact).toEqual({ outDir, files: ['deployment.json', 'program.ir.json'], config: { maxHops: 50 }, diagnostics: [] });
    expect(logged).toEqual([`wrote ${outDir}: deployment.json, program.ir.json`]);
    expect(JSON.parse(readFileSync(join(outDir, 'program.ir.json'), 'utf8'))).toEqual(program);
    expect(JSON.parse(readFileSync(join(outDir, 'deployment.json'), 'utf8'))).toEqual({ backend: 'template', irVersion: program.irVersion, config: { maxHops: 50 } });
    expect(await readArtifact(outDir)).toEqual({ program, config: { maxHops: 50 } });
  });

  it('rejects an unsupported irVersion with SF4001 naming the accepted range', async () => {
    const future = { ...program, irVersion: '0.9.0' } as Program;
    const err = await backend.build(future, { outDir: join(work, 'future') }, { log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidProgramError);
    const { diagnostics } = err as InvalidProgramError;
    expect(diagnostics.map((d) => d.code)).toEqual(['SF4001']);
    expect(diagnostics[0]!.help).toContain('^0.1 || ^0.2');
  });

  it('rejects invalid IR with one SF4002 per problem, each at its JSON path', async () => {
    const broken = structuredClone(program) as unknown as { entities: { methods: { name: string }[] }[] };
    broken.entities[0]!.methods[0]!.name = 42 as unknown as string;
    const err = (await backend.build(broken as unknown as Program, { outDir: join(work, 'broken') }, { log: () => {} }).catch((e: unknown) => e)) as InvalidProgramError;
    expect(err.diagnostics.map((d) => d.code)).toEqual(['SF4002']);
    expect(err.diagnostics[0]!.message).toMatch(/^invalid IR at \/entities\/0\/methods\/0\/name:/);
    expect(err.message).toContain('the program cannot run on the template backend: SF4002');
  });

  it('rejects unknown settings and bad values with a message naming the setting', async () => {
    const build = (config: { [name: string]: string }) => backend.build(program, { outDir: join(work, 'cfg'), config }, { log: () => {} });
    await expect(build({ maxHop: '5' })).rejects.toThrow(new TemplateConfigError("unknown setting 'maxHop' for the template backend (settings: maxHops)"));
    await expect(build({ maxHops: 'lots' })).rejects.toThrow("setting maxHops must be a positive integer (got 'lots')");
    await expect(build({ maxHops: '0' })).rejects.toThrow(TemplateConfigError);
  });
});
