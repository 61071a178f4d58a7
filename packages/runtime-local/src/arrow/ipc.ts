import { readFile, writeFile } from 'node:fs/promises';
import { RecordBatchReader, Table, tableToIPC, type RecordBatch } from 'apache-arrow';
import { StateTableError } from './errors.js';
import { checkIpcBounds } from './ipc-bounds.js';

/** Writes a table as an Arrow IPC file (the random-access "file" format, `ARROW1` magic; `.arrow`, a.k.a. Feather v2). */
export async function writeArrowIpcFile(path: string, table: Table): Promise<void> {
  await writeFile(path, tableToIPC(table, 'file'));
}

/**
 * Parses Arrow IPC bytes (file or stream format). `source` names the input in errors.
 *
 * apache-arrow trusts what a file declares: a damaged footer that claims two billion record
 * batches keeps its reader looping for minutes, a footer block that points at another kind
 * of message stalls `readAll()` for good, and a batch that claims more rows than the file
 * has bytes makes the conversion allocate and loop for each. So the messages are checked
 * against the input's size first (`ipc-bounds.ts`), the batches read by index, and the rows
 * counted; any of these is refused as malformed.
 */
export function arrowTableFromBytes(bytes: Uint8Array, source = 'input'): Table {
  const malformed = (why: string) => new StateTableError('Malformed', `${source} is not an Arrow IPC file: ${why}`);
  let table: Table;
  try {
    checkIpcBounds(bytes);
    const reader = RecordBatchReader.from(bytes);
    reader.open();
    if (reader.isFile()) {
      // By index, not readAll(): its loop never advances past a block that holds another
      // kind of message than a record batch, and never ends.
      const batches: RecordBatch[] = [];
      for (let i = 0; i < reader.numRecordBatches; i++) {
        const batch = reader.readRecordBatch(i);
        if (!batch) throw malformed(`its record batch ${i + 1} is damaged`);
        batches.push(batch);
      }
      table = new Table(reader.schema, batches);
    } else {
      table = new Table(reader.readAll());
    }
  } catch (err) {
    if (err instanceof StateTableError) throw err;
    throw malformed(err instanceof Error ? err.message : String(err));
  }
  if (table.schema.fields.length === 0) {
    throw new StateTableError('Malformed', `${source} is not an Arrow IPC file (no schema found; is it CSV or Parquet?)`);
  }
  // Every row needs at least a byte of the file (its key's offset or dictionary index).
  if (table.numRows > bytes.length) throw malformed(`it declares ${table.numRows} rows in ${bytes.length} bytes`);
  return table;
}

/** Reads an Arrow IPC file (or stream) into a table. */
export async function readArrowIpcFile(path: string): Promise<Table> {
  return arrowTableFromBytes(await readFile(path), path);
}
