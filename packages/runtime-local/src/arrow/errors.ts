/** What went wrong while converting entity state to or from a table. */
export type StateTableErrorCode =
  /** A column the entity class needs is not in the table or CSV header. */
  | 'MissingColumn'
  /** The table has a column that is not a field of the entity class. */
  | 'UnknownColumn'
  /** A column has an Arrow type that cannot hold the field's type. */
  | 'ColumnType'
  /** A value does not fit the field's type (e.g. `'abc'` for an `int` field). */
  | 'ValueType'
  /** The input is not a well-formed Arrow, Parquet or CSV file. */
  | 'Malformed'
  /** Parquet support (the optional `parquet-wasm` package) is not available. */
  | 'ParquetUnavailable';

/**
 * A user-facing error of the Arrow/CSV state conversion. The message says where
 * (entity, key or row, column), what, and how to fix it; `row` (1-based data row, the
 * header not counted) and `column` are set when they are known.
 */
export class StateTableError extends Error {
  override readonly name = 'StateTableError';

  constructor(
    readonly code: StateTableErrorCode,
    message: string,
    readonly where: { row?: number; column?: string; key?: string } = {},
  ) {
    super(message);
  }
}
