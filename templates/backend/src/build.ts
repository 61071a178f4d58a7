import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BackendArtifact, BackendBuildOptions, BackendSettings, Program } from '@stateflow/ir';
import { checkProgram } from './check-program.js';

/** Settings of a template deployment (`deployment.json`). */
export interface TemplateConfig {
  /** Longest call chain (events per request) before the request fails; stops runaway recursion. */
  maxHops: number;
}

/** The defaults of {@link TemplateConfig}. */
export const DEFAULT_CONFIG: TemplateConfig = { maxHops: 10_000 };

/**
 * The settings, declared for tools (`backend.settings`): the `stateflow` CLI lists them
 * in `stateflow build --target template --help`, accepts `--set maxHops=500` (a `flag`
 * would add `--max-hops 500`), checks the value's type and passes it as a number.
 * Declare every key `config` may hold; the CLI refuses the others.
 */
export const TEMPLATE_SETTINGS: BackendSettings = {
  maxHops: { type: 'integer', min: 1, default: DEFAULT_CONFIG.maxHops, help: 'longest call chain (events per request) before the request fails' },
};

/** A setting given to `build` is unknown or has a bad value (the CLI shows it as a usage error). */
export class TemplateConfigError extends Error {
  override name = 'TemplateConfigError';
}

/**
 * Reads the settings. The CLI has checked them against {@link TEMPLATE_SETTINGS}, but
 * `build` is also called from code (and `deployment.json` can be edited): check again,
 * accept strings as well as numbers, and reject what you do not know rather than
 * ignoring a typo.
 */
export function resolveConfig(config: BackendBuildOptions['config'] = {}): TemplateConfig {
  const out = { ...DEFAULT_CONFIG };
  for (const [name, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(TEMPLATE_SETTINGS, name)) {
      throw new TemplateConfigError(`unknown setting '${name}' for the template backend (settings: ${Object.keys(TEMPLATE_SETTINGS).join(', ')})`);
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new TemplateConfigError(`setting maxHops must be a positive integer (got '${String(value)}')`);
    }
    out.maxHops = n;
  }
  return out;
}

/**
 * Writes the artifact of `program` to `outDir`. An artifact is whatever your engine
 * deploys (a job jar, a container, a directory). Here it is a directory of two files:
 *
 * - `program.ir.json`: the checked program,
 * - `deployment.json`: the backend name, the `irVersion` and the settings.
 *
 * Throws `InvalidProgramError` (with diagnostics) for bad IR and
 * {@link TemplateConfigError} for a bad setting.
 */
export async function buildArtifact(program: Program, options: BackendBuildOptions): Promise<BackendArtifact> {
  const checked = checkProgram(program);
  const config = resolveConfig(options.config);
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const deployment = { backend: 'template', irVersion: checked.irVersion, config };
  await writeFile(join(outDir, 'program.ir.json'), `${JSON.stringify(checked, null, 2)}\n`);
  await writeFile(join(outDir, 'deployment.json'), `${JSON.stringify(deployment, null, 2)}\n`);
  return { outDir, files: ['deployment.json', 'program.ir.json'], config: { ...config }, diagnostics: [] };
}

/** Reads back what {@link buildArtifact} wrote (checking the program again: files can be edited). */
export async function readArtifact(outDir: string): Promise<{ program: Program; config: TemplateConfig }> {
  const program = checkProgram(JSON.parse(await readFile(join(outDir, 'program.ir.json'), 'utf8')));
  const deployment = JSON.parse(await readFile(join(outDir, 'deployment.json'), 'utf8')) as { config?: BackendBuildOptions['config'] };
  return { program, config: resolveConfig(deployment.config) };
}
