import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertIr, type BackendArtifact, type Diagnostic, type Program } from '@stateflow/ir';
import { kernelFiles, pythonFiles } from '@stateflow/python-kernel';
import { resolveStatefunConfig, type StatefunAppConfig, type StatefunConfigOverrides } from './config.js';
import { moduleYaml } from './module-yaml.js';
import { artifactReadme } from './readme.js';

/** The `irVersion`s this backend reads. */
export const STATEFUN_IR_VERSIONS = '^0.1 || ^0.2';

/** The IR is not valid or of an unsupported version; `diagnostics` say where and why. */
export class StatefunBuildError extends Error {
  override name = 'StatefunBuildError';
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(message);
  }
}

/** A built application folder. */
export interface StatefunArtifact extends BackendArtifact {
  config: StatefunAppConfig & { [name: string]: unknown };
}

/** The function service template shipped with this package (`service/`). */
function serviceTemplateDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'service');
}

/**
 * The engine-neutral per-record logic (validation, deduplication, routing keys) of the
 * Flink backend's job (`stateflow_flink`: no PyFlink import), which this backend runs too.
 */
function recordLogicDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@stateflow/backend-flink/package.json')), 'job', 'stateflow_flink');
}

/**
 * Writes the Stateful Functions application of `program` to `outDir`:
 *
 * - `module.yaml`: the function endpoint, the Kafka ingress and the exactly-once Kafka egress,
 * - `service.py` + `python/`: the remote function service (Statefun's request-reply protocol, aiohttp)
 *   running the unchanged StateFlow kernel, one function type per entity class,
 * - `statefun-app.json`: topics, Kafka, checkpointing, deduplication, the service's address,
 * - `program.ir.json`: the program,
 * - `README.md`: how to run it and deploy it on a Statefun cluster.
 *
 * Throws {@link StatefunBuildError} for an invalid IR and `StatefunConfigError` for a bad override.
 */
export async function buildStatefunApp(program: Program, outDir: string, overrides: StatefunConfigOverrides = {}): Promise<StatefunArtifact> {
  const checked = assertIr(program, STATEFUN_IR_VERSIONS);
  if (!checked.program) {
    throw new StatefunBuildError(`the program cannot run on Statefun: ${checked.diagnostics.map((d) => d.message).join('; ')}`, checked.diagnostics);
  }
  const config = resolveStatefunConfig(checked.program, overrides);
  const root = resolve(outDir);
  const files = new Map<string, string>();
  const template = serviceTemplateDir();
  files.set('service.py', await readFile(join(template, 'service.py'), 'utf8'));
  for (const file of await pythonFiles(join(template, 'stateflow_statefun'))) files.set(`python/stateflow_statefun/${file.path}`, file.contents);
  for (const file of await pythonFiles(recordLogicDir())) files.set(`python/stateflow_flink/${file.path}`, file.contents);
  for (const file of await kernelFiles()) files.set(`python/${file.path}`, file.contents);
  files.set('program.ir.json', `${JSON.stringify(checked.program, null, 2)}\n`);
  files.set('statefun-app.json', `${JSON.stringify(config, null, 2)}\n`);
  files.set('module.yaml', moduleYaml(config, checked.program.entities.map((e) => e.name)));
  files.set('README.md', artifactReadme(checked.program, config));
  for (const [path, contents] of files) {
    const target = join(root, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, contents);
  }
  return { outDir: root, files: [...files.keys()].sort(), config: config as StatefunArtifact['config'], diagnostics: checked.diagnostics };
}
