import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { EntityClass } from '@stateflow/ir';
import { arrowTableToState } from './arrow-to-state.js';
import { csvToState } from './csv-to-state.js';
import { StateTableError } from './errors.js';
import { readArrowIpcFile, writeArrowIpcFile } from './ipc.js';
import { readParquetFile, writeParquetFile } from './parquet.js';
import { stateToArrowTable, type StateRow } from './state-to-arrow.js';

/** File formats of state export and import. */
export type StateFileFormat = 'arrow' | 'parquet' | 'csv';

/** The format of a state file, from its extension: `.arrow`/`.feather`/`.ipc`, `.parquet`, `.csv`. */
export function stateFileFormat(path: string): StateFileFormat | undefined {
  const ext = extname(path).toLowerCase();
  if (ext === '.arrow' || ext === '.feather' || ext === '.ipc') return 'arrow';
  if (ext === '.parquet') return 'parquet';
  if (ext === '.csv') return 'csv';
  return undefined;
}

function formatOf(path: string, exporting: boolean): StateFileFormat {
  const format = stateFileFormat(path);
  if (!format || (exporting && format === 'csv')) {
    throw new StateTableError(
      'Malformed',
      `${path}: unknown file type '${extname(path) || '(none)'}'; use .arrow or .parquet${exporting ? '' : ' or .csv'}`,
    );
  }
  return format;
}

/** Writes the instances of one entity class to an Arrow IPC (`.arrow`) or Parquet (`.parquet`) file. */
export async function exportStateFile(entity: EntityClass, rows: Iterable<StateRow>, path: string): Promise<{ format: StateFileFormat; rows: number }> {
  const format = formatOf(path, true);
  const table = stateToArrowTable(entity, rows);
  if (format === 'parquet') await writeParquetFile(path, table);
  else await writeArrowIpcFile(path, table);
  return { format, rows: table.numRows };
}

/** Reads instances of one entity class from an `.arrow`, `.parquet` or `.csv` file. */
export async function importStateFile(entity: EntityClass, path: string): Promise<{ format: StateFileFormat; rows: StateRow[] }> {
  const format = formatOf(path, false);
  if (format === 'csv') return { format, rows: csvToState(entity, await readFile(path, 'utf8'), path) };
  const table = format === 'parquet' ? await readParquetFile(path) : await readArrowIpcFile(path);
  try {
    return { format, rows: arrowTableToState(entity, table) };
  } catch (err) {
    if (err instanceof StateTableError) throw new StateTableError(err.code, `${path}: ${err.message}`, err.where);
    throw err;
  }
}
