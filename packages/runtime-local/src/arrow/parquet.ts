import { readFile, writeFile } from 'node:fs/promises';
import { tableToIPC, type Table } from 'apache-arrow';
import { StateTableError } from './errors.js';
import { arrowTableFromBytes } from './ipc.js';

type ParquetWasm = typeof import('parquet-wasm');

let loaded: Promise<ParquetWasm> | undefined;

/**
 * Loads `parquet-wasm` (Rust's `parquet` crate compiled to WebAssembly; its Node build
 * reads the `.wasm` from its own package folder, no network) on first use, so
 * importing this module costs nothing when Parquet is not used.
 */
function parquet(): Promise<ParquetWasm> {
  loaded ??= import('parquet-wasm').catch((err: unknown) => {
    loaded = undefined;
    // An optional peer dependency: only Parquet files need it.
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes("'parquet-wasm'")) {
      throw new StateTableError('ParquetUnavailable', 'Parquet files need the package parquet-wasm, which is not installed; install it (npm install parquet-wasm) or use an .arrow file');
    }
    throw new StateTableError('ParquetUnavailable', `Parquet support is not available (the parquet-wasm package failed to load: ${(err as Error).message}); use an .arrow file instead`);
  });
  return loaded;
}

/** Writes a table as a Parquet file (parquet-wasm's default writer properties; the Arrow schema and its metadata are kept). */
export async function writeParquetFile(path: string, table: Table): Promise<void> {
  const pq = await parquet();
  const wasmTable = pq.Table.fromIPCStream(tableToIPC(table, 'stream'));
  await writeFile(path, pq.writeParquet(wasmTable));
}

/** Reads a Parquet file into an Arrow table. */
export async function readParquetFile(path: string): Promise<Table> {
  const pq = await parquet();
  const bytes = await readFile(path);
  let ipc: Uint8Array;
  try {
    ipc = pq.readParquet(bytes).intoIPCStream();
  } catch (err) {
    throw new StateTableError('Malformed', `${path} is not a Parquet file: ${err instanceof Error ? err.message : String(err)}`);
  }
  return arrowTableFromBytes(ipc, path);
}
