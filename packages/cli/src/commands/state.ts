import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EntityClass, Program } from '@stateflow/ir';
import type { StateStore } from '@stateflow/runtime-local';
import { CliError } from '../cli-error.js';
import { ExitCode, type CliIo } from '../io.js';
import { loadProgram } from '../load-program.js';
import { importOptional } from '../optional-package.js';
import { parseCommandArgs } from '../parse-command-args.js';
import { renderDiagnosticsText } from '../render-diagnostics.js';
import { defaultDataDir, loadRuntimeLocal } from './serve.js';
import { STATE_USAGE } from './state-usage.js';

/** Opens the durable store in a data directory; injectable for tests. */
export type OpenStore = (dataDir: string) => StateStore;

const FORMAT_NAMES = { arrow: 'Arrow IPC', parquet: 'Parquet', csv: 'CSV' } as const;

/**
 * `stateflow state export|import <app.py> --entity E --data-dir DIR (--out F | --in F [--replace])`:
 * moves the instances of one entity class between the durable store and a typed table file.
 */
export async function stateCommand(argv: string[], io: CliIo, openStore?: OpenStore): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    io.stdout(STATE_USAGE);
    return ExitCode.Ok;
  }
  if (sub !== 'export' && sub !== 'import') {
    throw new CliError(`stateflow state: unknown subcommand '${sub}'; use 'state export' or 'state import'`, ExitCode.Usage, STATE_USAGE);
  }
  const { values, file, help } = parseCommandArgs(
    `state ${sub}`,
    rest,
    { entity: { type: 'string' }, 'data-dir': { type: 'string' }, out: { type: 'string', short: 'o' }, in: { type: 'string' }, replace: { type: 'boolean' } },
    STATE_USAGE,
  );
  if (help) {
    io.stdout(STATE_USAGE);
    return ExitCode.Ok;
  }
  const command = `stateflow state ${sub}`;
  const need = (flag: 'entity' | 'out' | 'in'): string => {
    const value = values[flag];
    if (typeof value !== 'string' || value === '') throw new CliError(`${command}: missing --${flag}`, ExitCode.Usage, STATE_USAGE);
    return value;
  };
  const wrong = (flag: string) => new CliError(`${command}: --${flag} is not an option of 'state ${sub}'`, ExitCode.Usage, STATE_USAGE);
  if (sub === 'export' && values.in !== undefined) throw wrong('in');
  if (sub === 'export' && values.replace) throw wrong('replace');
  if (sub === 'import' && values.out !== undefined) throw wrong('out');
  const entityName = need('entity');
  const dataDir = values['data-dir'] ? values['data-dir'] : resolve(defaultDataDir(file!));
  const path = sub === 'export' ? need('out') : need('in');
  // The store and the Arrow/Parquet code are in the embedded runtime, an optional peer.
  const { DataDirError, LmdbStateStore } = await loadRuntimeLocal(command.replace(/^stateflow /, ''));
  const { StateTableError, exportStateFile, importStateFile, stateFileFormat } = await importOptional(command.replace(/^stateflow /, ''), 'apache-arrow', () => import('@stateflow/runtime-local/arrow'));
  const open: OpenStore = openStore ?? ((dir) => LmdbStateStore.open({ path: dir, command: 'stateflow state' }));
  const format = stateFileFormat(path);
  if (!format || (sub === 'export' && format === 'csv')) {
    const allowed = sub === 'export' ? '.arrow or .parquet' : '.arrow, .parquet or .csv';
    throw new CliError(`${command}: cannot tell the format of '${path}'; name it ${allowed}`, ExitCode.Usage, STATE_USAGE);
  }

  const { program, diagnostics } = await loadProgram(file!);
  if (!program) {
    io.stderr(renderDiagnosticsText(diagnostics));
    return ExitCode.ProgramErrors;
  }
  const entity = findEntity(program, entityName, command);

  try {
    if (sub === 'export') {
      if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
        throw new CliError(`${command}: no data directory at ${dataDir}; pass the --data-dir the runtime was started with`, ExitCode.ProgramErrors);
      }
      const store = open(dataDir);
      try {
        const { rows } = await exportStateFile(entity, store.entries(entity.name), path);
        io.stdout(`exported ${rows} ${entity.name} instance${rows === 1 ? '' : 's'} to ${path} (${FORMAT_NAMES[format]})\n`);
      } finally {
        await store.close();
      }
    } else {
      const { rows } = await importStateFile(entity, path);
      const store = open(dataDir);
      try {
        const before = store.keys(entity.name).length;
        const writes = rows.map(([key, state]) => ({ address: { entity: entity.name, key }, state }));
        await store.putMany(writes, values.replace ? { replaceEntity: entity.name } : {});
        const effect = values.replace ? `replaced ${before} existing` : `${before} existed before`;
        io.stdout(`imported ${rows.length} ${entity.name} instance${rows.length === 1 ? '' : 's'} from ${path} into ${dataDir} (${effect})\n`);
      } finally {
        await store.close();
      }
    }
  } catch (err) {
    if (err instanceof StateTableError || err instanceof DataDirError) throw new CliError(`${command}: ${err.message}`, ExitCode.ProgramErrors);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      throw new CliError(`${command}: ${(err as Error).message}`, ExitCode.ProgramErrors);
    }
    throw err;
  }
  return ExitCode.Ok;
}

function findEntity(program: Program, name: string, command: string): EntityClass {
  const found = program.entities.find((e) => e.name === name);
  if (!found) {
    const names = program.entities.map((e) => e.name).join(', ') || 'none';
    throw new CliError(`${command}: no entity class '${name}' in the program (entities: ${names})`, ExitCode.Usage);
  }
  return found;
}
