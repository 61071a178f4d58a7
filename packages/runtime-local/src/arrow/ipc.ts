import { readFile, writeFile } from 'node:fs/promises';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { StateTableError } from './errors.js';

/** Writes a table as an Arrow IPC file (the random-access "file" format, `ARROW1` magic; `.arrow`, a.k.a. Feather v2). */
export async function writeArrowIpcFile(path: string, table: Table): Promise<void> {
  await writeFile(path, tableToIPC(table, 'file'));
}

/** Parses Arrow IPC bytes (file or stream format). `source` names the input in errors. */
export function arrowTableFromBytes(bytes: Uint8Array, source = 'input'): Table {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    throw new StateTableError('Malformed', `${source} is not an Arrow IPC file: ${(err as Error).message}`);
  }
  if (table.schema.fields.length === 0) {
    throw new StateTableError('Malformed', `${source} is not an Arrow IPC file (no schema found; is it CSV or Parquet?)`);
  }
  return table;
}

/** Reads an Arrow IPC file (or stream) into a table. */
export async function readArrowIpcFile(path: string): Promise<Table> {
  return arrowTableFromBytes(await readFile(path), path);
}
