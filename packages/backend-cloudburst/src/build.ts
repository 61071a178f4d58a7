import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertIr, type BackendArtifact, type Diagnostic, type Program } from '@stateflow/ir';
import { kernelFiles, pythonFiles } from '@stateflow/python-kernel';
import { resolveCloudburstConfig, type CloudburstConfig, type CloudburstConfigOverrides } from './config.js';
import { artifactReadme } from './readme.js';

/** The `irVersion`s this backend reads (it runs the kernel, which reads both). */
export const CLOUDBURST_IR_VERSIONS = '^0.1 || ^0.2';

/** The IR is not valid or of an unsupported version; `diagnostics` say where and why. */
export class CloudburstBuildError extends Error {
  override name = 'CloudburstBuildError';
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(message);
  }
}

/** A built deployment directory. */
export interface CloudburstArtifact extends BackendArtifact {
  config: CloudburstConfig & { [name: string]: unknown };
}

/** This package's folder (its `function/` ships with it). */
export function packageDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..');
}

/**
 * Writes the deployment of `program` to `outDir`:
 *
 * - `function/`: what Cloudburst's executors import and what registers the program:
 *   `stateflow_cloudburst/` (the function class, the registration script
 *   `python -m stateflow_cloudburst.register`, the gateway), the unchanged kernel
 *   (`stateflow`, `stateflow_kernel`), `program.ir.json` and `stateflow-cloudburst.json`,
 * - `program.ir.json`, `stateflow-cloudburst.json` (the settings), `README.md`.
 *
 * Throws {@link CloudburstBuildError} for invalid IR and `CloudburstConfigError` for a bad setting.
 */
export async function buildCloudburstDeployment(program: Program, outDir: string, overrides: CloudburstConfigOverrides = {}): Promise<CloudburstArtifact> {
  const checked = assertIr(program, CLOUDBURST_IR_VERSIONS);
  if (!checked.program) {
    throw new CloudburstBuildError(`the program cannot run on Cloudburst: ${checked.diagnostics.map((d) => d.message).join('; ')}`, checked.diagnostics);
  }
  const config = resolveCloudburstConfig(checked.program, overrides);
  const root = resolve(outDir);
  const files = new Map<string, string>();
  for (const file of await pythonFiles(join(packageDir(), 'function'))) files.set(`function/${file.path}`, file.contents);
  for (const file of await kernelFiles()) files.set(`function/${file.path}`, file.contents);
  const ir = `${JSON.stringify(checked.program, null, 2)}\n`;
  const settings = `${JSON.stringify(config, null, 2)}\n`;
  files.set('function/program.ir.json', ir);
  files.set('function/stateflow-cloudburst.json', settings);
  files.set('program.ir.json', ir);
  files.set('stateflow-cloudburst.json', settings);
  files.set('README.md', artifactReadme(checked.program, config));
  for (const [path, contents] of files) {
    const target = join(root, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, contents);
  }
  return { outDir: root, files: [...files.keys()].sort(), config: config as CloudburstArtifact['config'], diagnostics: checked.diagnostics };
}

/** Reads the settings of a built deployment. */
export async function readCloudburstConfig(outDir: string): Promise<CloudburstConfig> {
  return JSON.parse(await readFile(join(outDir, 'stateflow-cloudburst.json'), 'utf8')) as CloudburstConfig;
}
