/**
 * Entity state as typed tables: Arrow IPC and Parquet export/import, CSV import.
 * Imported as `@stateflow/runtime-local/arrow`, so the runtime itself never loads Arrow.
 *
 * @module @stateflow/runtime-local/arrow
 */
export { stateToArrowTable } from './state-to-arrow.js';
export type { StateRow } from './state-to-arrow.js';
export { arrowTableToState } from './arrow-to-state.js';
export { entityArrowSchema } from './schema.js';
export { writeArrowIpcFile, readArrowIpcFile } from './ipc.js';
export { writeParquetFile, readParquetFile } from './parquet.js';
export { parseCsv } from './csv.js';
export type { CsvRecord } from './csv.js';
export { csvToState } from './csv-to-state.js';
export { exportStateFile, importStateFile, stateFileFormat } from './state-file.js';
export type { StateFileFormat } from './state-file.js';
export { StateTableError } from './errors.js';
export type { StateTableErrorCode } from './errors.js';
