/** Usage text of `stateflow state`. */
export const STATE_USAGE = `Usage: stateflow state export <app.py> --entity <Entity> [--data-dir <dir>] --out <file.arrow|file.parquet>
       stateflow state import <app.py> --entity <Entity> [--data-dir <dir>] --in <file.arrow|file.parquet|file.csv> [--replace]

Exports the instances of one entity class from the durable store of a stopped runtime
(the --data-dir of 'stateflow serve') as a typed table, or imports them into it.
Columns: __key__ and one per field, typed by the field annotations (int -> Int64,
float -> Float64, str -> Utf8, bool -> Bool, bytes -> Binary, an entity -> its key,
containers and Any -> JSON text).

Options:
  --entity <name>     the entity class, e.g. Item
  --data-dir <dir>    the runtime's data directory, as given to 'serve' (default
                      .stateflow-data/<app> next to the app file); stop the runtime first
  --out <file>        export: .arrow (Arrow IPC file) or .parquet
  --in <file>         import: .arrow, .parquet or .csv (header row: __key__ and every field)
  --replace           import: remove the entity's existing instances first
                      (default: insert new keys, overwrite existing ones)
  -h, --help          show this help
`;
