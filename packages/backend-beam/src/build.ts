import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertIr, type BackendArtifact, type Diagnostic, type Program } from '@stateflow/ir';
import { kernelFiles, pythonFiles } from '@stateflow/python-kernel';
import { resolveBeamConfig, type BeamConfigOverrides, type BeamPipelineConfig } from './config.js';
import { artifactReadme } from './readme.js';

/** The `irVersion`s this backend reads. */
export const BEAM_IR_VERSIONS = '^0.1 || ^0.2';

/** The IR is not valid or of an unsupported version; `diagnostics` say where and why. */
export class BeamBuildError extends Error {
  override name = 'BeamBuildError';
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(message);
  }
}

/** A built pipeline directory. */
export interface BeamArtifact extends BackendArtifact {
  config: BeamPipelineConfig & { [name: string]: unknown };
}

/** Absolute path of the pipeline template shipped with this package (`pipeline/`). */
export function pipelineTemplateDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'pipeline');
}

/**
 * Writes the Beam pipeline of `program` to `outDir`:
 *
 * - `pipeline.py`: the Beam Python streaming pipeline (`python pipeline.py --prism <path>`
 *   runs it on Prism; `--runner DataflowRunner|FlinkRunner ...` on a production runner),
 * - `stateflow-pipeline.json`: topics, Kafka, dedup (the defaults with `overrides` applied,
 *   see `BEAM_SETTINGS`),
 * - `python/stateflow_beam/program.ir.json`: the program (workers read it from the package),
 * - `python/`: the StateFlow kernel (`stateflow`, `stateflow_kernel`) and the pipeline's
 *   own `stateflow_beam` package,
 * - `setup.py`: ships `python/` to remote workers (`--setup_file ./setup.py`),
 * - `README.md`: how to run and deploy it.
 *
 * Throws {@link BeamBuildError} when the IR is invalid or of an unsupported version, and
 * `BeamConfigError` for a bad override.
 */
export async function buildBeamPipeline(program: Program, outDir: string, overrides: BeamConfigOverrides = {}): Promise<BeamArtifact> {
  const checked = assertIr(program, BEAM_IR_VERSIONS);
  if (!checked.program) {
    throw new BeamBuildError(`the program cannot run on Beam: ${checked.diagnostics.map((d) => d.message).join('; ')}`, checked.diagnostics);
  }
  const config = resolveBeamConfig(checked.program, overrides);
  const root = resolve(outDir);
  const files = new Map<string, string>();
  const template = pipelineTemplateDir();
  files.set('pipeline.py', await readFile(join(template, 'pipeline.py'), 'utf8'));
  files.set('setup.py', await readFile(join(template, 'setup.py'), 'utf8'));
  for (const file of await pythonFiles(join(template, 'stateflow_beam'))) files.set(`python/stateflow_beam/${file.path}`, file.contents);
  for (const file of await kernelFiles()) files.set(`python/${file.path}`, file.contents);
  files.set('python/stateflow_beam/program.ir.json', `${JSON.stringify(checked.program, null, 2)}\n`);
  files.set('stateflow-pipeline.json', `${JSON.stringify(config, null, 2)}\n`);
  files.set('README.md', artifactReadme(checked.program, config));
  for (const [path, contents] of files) {
    const target = join(root, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, contents);
  }
  return { outDir: root, files: [...files.keys()].sort(), config: config as BeamArtifact['config'], diagnostics: checked.diagnostics };
}
