import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertIr, type BackendArtifact, type Diagnostic, type Program } from '@stateflow/ir';
import { kernelFiles, pythonFiles } from '@stateflow/python-kernel';
import { resolveLambdaConfig, type LambdaConfig, type LambdaConfigOverrides } from './config.js';
import { artifactReadme } from './readme.js';
import { samTemplate } from './template.js';

/** The `irVersion`s this backend reads (it runs the kernel, which reads both). */
export const LAMBDA_IR_VERSIONS = '^0.1 || ^0.2';

/** The IR is not valid or of an unsupported version; `diagnostics` say where and why. */
export class LambdaBuildError extends Error {
  override name = 'LambdaBuildError';
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(message);
  }
}

/** A built deployment directory. */
export interface LambdaArtifact extends BackendArtifact {
  config: LambdaConfig & { [name: string]: unknown };
}

/** This package's folder (its `function/` and `local/` ship with it). */
export function packageDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..');
}

/**
 * Writes the deployment of `program` to `outDir`:
 *
 * - `function/`: the function package (the code of a `.zip` deployment): `handler.py`
 *   (`handler.handler`), the backend's `stateflow_lambda`, the unchanged kernel
 *   (`stateflow`, `stateflow_kernel`) and `program.ir.json`; it needs only boto3,
 *   which Lambda's Python runtimes include,
 * - `template.json`: the AWS SAM template (function, table, IAM, optional HTTP API),
 * - `stateflow-lambda.json`: the settings, `program.ir.json`: the program,
 * - `README.md`: how to run it locally and deploy it.
 *
 * Throws {@link LambdaBuildError} for invalid IR and `LambdaConfigError` for a bad setting.
 */
export async function buildLambdaFunction(program: Program, outDir: string, overrides: LambdaConfigOverrides = {}): Promise<LambdaArtifact> {
  const checked = assertIr(program, LAMBDA_IR_VERSIONS);
  if (!checked.program) {
    throw new LambdaBuildError(`the program cannot run on Lambda: ${checked.diagnostics.map((d) => d.message).join('; ')}`, checked.diagnostics);
  }
  const config = resolveLambdaConfig(checked.program, overrides);
  const root = resolve(outDir);
  const files = new Map<string, string>();
  for (const file of await pythonFiles(join(packageDir(), 'function'))) files.set(`function/${file.path}`, file.contents);
  for (const file of await kernelFiles()) files.set(`function/${file.path}`, file.contents);
  const ir = `${JSON.stringify(checked.program, null, 2)}\n`;
  files.set('function/program.ir.json', ir);
  files.set('program.ir.json', ir);
  files.set('stateflow-lambda.json', `${JSON.stringify(config, null, 2)}\n`);
  files.set('template.json', `${JSON.stringify(samTemplate(checked.program, config), null, 2)}\n`);
  files.set('README.md', artifactReadme(checked.program, config));
  for (const [path, contents] of files) {
    const target = join(root, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, contents);
  }
  return { outDir: root, files: [...files.keys()].sort(), config: config as LambdaArtifact['config'], diagnostics: checked.diagnostics };
}

/** Reads the settings of a built deployment. */
export async function readLambdaConfig(outDir: string): Promise<LambdaConfig> {
  return JSON.parse(await readFile(join(outDir, 'stateflow-lambda.json'), 'utf8')) as LambdaConfig;
}
