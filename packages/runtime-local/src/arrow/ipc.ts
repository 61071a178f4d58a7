import { readFile, writeFile } from 'node:fs/promises';
import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { StateTableError } from './errors.js';
import { checkIpcBounds } from './ipc-bounds.js';
import { readInWorker } from './reader-worker.js';

/** Writes a table as an Arrow IPC file (the random-access "file" format, `ARROW1` magic; `.arrow`, a.k.a. Feather v2). */
export async function writeArrowIpcFile(path: string, table: Table): Promise<void> {
  await writeFile(path, tableToIPC(table, 'file'));
}

/**
 * Parses Arrow IPC bytes (file or stream format). `source` names the input in errors.
 *
 * apache-arrow trusts what a file declares: a damaged count in its metadata keeps the reader
 * busy for minutes or exhausts the heap, and a footer block that points at another kind of
 * message stalls `readAll()` for good. So the messages are first checked against the input's
 * size (`ipc-bounds.ts`: cheap, and it names the damage), then read in a worker whose memory
 * and time are capped (`reader-worker.ts`), which hands back the table as apache-arrow writes
 * it; a table that claims more rows than the input has bytes is refused too.
 */
export async function arrowTableFromBytes(bytes: Uint8Array, source = 'input'): Promise<Table> {
  const malformed = (why: string) => new StateTableError('Malformed', `${source} is not an Arrow IPC file: ${why}`);
  try {
    checkIpcBounds(bytes);
  } catch (err) {
    throw malformed(err instanceof Error ? err.message : String(err));
  }
  const read = await readInWorker(bytes);
  if ('error' in read) throw malformed(read.error);
  let table: Table;
  try {
    table = tableFromIPC(read.ok);
  } catch (err) {
    // What the writer made of garbage lengths it read without complaint.
    throw malformed(err instanceof Error ? err.message : String(err));
  }
  if (table.schema.fields.length === 0) {
    throw new StateTableError('Malformed', `${source} is not an Arrow IPC file (no schema found; is it CSV or Parquet?)`);
  }
  // Every row needs at least a byte of the input (its key's offset or dictionary index).
  if (read.rows > bytes.length) throw malformed(`it declares ${read.rows} rows in ${bytes.length} bytes`);
  return table;
}

/** Reads an Arrow IPC file (or stream) into a table. */
export async function readArrowIpcFile(path: string): Promise<Table> {
  return arrowTableFromBytes(await readFile(path), path);
}
