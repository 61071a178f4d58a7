import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertIr, type BackendArtifact, type Diagnostic, type Program } from '@stateflow/ir';
import { kernelFiles, pythonFiles } from '@stateflow/python-kernel';
import { resolveFlinkConfig, type FlinkConfigOverrides, type FlinkJobConfig } from './config.js';
import { artifactReadme } from './readme.js';

/** The `irVersion`s this backend reads. */
export const FLINK_IR_VERSIONS = '^0.1 || ^0.2';

/** The IR is not valid or of an unsupported version; `diagnostics` say where and why. */
export class FlinkBuildError extends Error {
  override name = 'FlinkBuildError';
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(message);
  }
}

/** A built job directory. */
export interface FlinkArtifact extends BackendArtifact {
  config: FlinkJobConfig & { [name: string]: unknown };
}

/** Absolute path of the job template shipped with this package (`job/`). */
export function jobTemplateDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'job');
}

/**
 * Writes the deployable PyFlink job of `program` to `outDir`:
 *
 * - `job.py`: the PyFlink program (`python job.py` runs it on a local mini-cluster,
 *   `flink run -py job.py -pyfs python` submits it to a cluster),
 * - `stateflow-job.json`: topics, bootstrap servers, checkpointing, parallelism
 *   (the defaults with `overrides` applied, see `FLINK_CONFIG_KEYS`),
 * - `program.ir.json`: the program,
 * - `python/`: the StateFlow kernel (`stateflow`, `stateflow_kernel`) and the job's own
 *   `stateflow_flink` package,
 * - `README.md`: how to run and deploy it.
 *
 * Throws {@link FlinkBuildError} when the IR is invalid or of an unsupported version,
 * and `FlinkConfigError` for a bad override.
 */
export async function buildFlinkJob(program: Program, outDir: string, overrides: FlinkConfigOverrides = {}): Promise<FlinkArtifact> {
  const checked = assertIr(program, FLINK_IR_VERSIONS);
  if (!checked.program) {
    throw new FlinkBuildError(`the program cannot run on Flink: ${checked.diagnostics.map((d) => d.message).join('; ')}`, checked.diagnostics);
  }
  const config = resolveFlinkConfig(checked.program, overrides);
  const root = resolve(outDir);
  const files = new Map<string, string>();
  const template = jobTemplateDir();
  files.set('job.py', await readFile(join(template, 'job.py'), 'utf8'));
  for (const file of await pythonFiles(join(template, 'stateflow_flink'))) files.set(`python/stateflow_flink/${file.path}`, file.contents);
  for (const file of await kernelFiles()) files.set(`python/${file.path}`, file.contents);
  files.set('program.ir.json', `${JSON.stringify(checked.program, null, 2)}\n`);
  files.set('stateflow-job.json', `${JSON.stringify(config, null, 2)}\n`);
  files.set('README.md', artifactReadme(checked.program, config));
  for (const [path, contents] of files) {
    const target = join(root, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, contents);
  }
  return { outDir: root, files: [...files.keys()].sort(), config: config as FlinkArtifact['config'], diagnostics: checked.diagnostics };
}
