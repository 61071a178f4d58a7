import { checkKey, describeType, type EncodedValue, type EntityClass, type EntityState } from '@stateflow/ir';
import { parseCsv } from './csv.js';
import { StateTableError } from './errors.js';
import { setField } from './fields.js';
import { KEY_COLUMN, planColumns, type ColumnPlan } from './schema.js';
import type { StateRow } from './state-to-arrow.js';
import { encodeFloat, encodeInt, encodeRef, parsePythonFloat } from './values.js';

/**
 * Reads instances of one entity class from CSV text. The header row names the
 * columns: `__key__` and every field of the class (any order). Cells are converted by
 * the field's type:
 *
 * | field | cell |
 * |---|---|
 * | `int` | `-12` (any size) |
 * | `float` | `1.5`, `2`, `1e-3`, `nan`, `inf`, `-inf` |
 * | `bool` | `true`/`false`, `True`/`False`, `1`/`0` |
 * | `str` | the text; an empty cell is `""` |
 * | `bytes` | base64 |
 * | an entity class | the key of the referenced instance |
 * | anything else (`List`, `Dict`, `Any`, ...) | the portable JSON encoding, e.g. `[1, 2]` |
 *
 * An empty unquoted cell of an `Optional` field is `None` (a quoted `""` is the empty
 * string for `Optional[str]`). `source` (e.g. the file name) prefixes messages.
 *
 * @throws {StateTableError} naming the row (1-based, the header not counted), line and column.
 */
export function csvToState(entity: EntityClass, text: string, source = 'CSV'): StateRow[] {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof StateTableError) throw new StateTableError(err.code, `${source} ${err.message}`, err.where);
    throw err;
  }
  const header = records[0];
  if (!header) throw new StateTableError('Malformed', `${source}: empty; the first line must be a header naming the columns (${KEY_COLUMN}, ...)`);
  const plans = planColumns(entity);
  const byName = new Map(plans.map((p) => [p.name, p]));
  const columns = header.cells.map((c) => c.trim());
  const unknown = columns.filter((c) => c !== KEY_COLUMN && !byName.has(c));
  if (unknown.length > 0) {
    throw new StateTableError(
      'UnknownColumn',
      `${source}: column '${unknown[0]}' in the header is not a field of ${entity.name} (fields: ${plans.map((p) => p.name).join(', ') || 'none'})`,
      { column: unknown[0]! },
    );
  }
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) throw new StateTableError('Malformed', `${source}: column '${dup}' appears twice in the header`, { column: dup });
  const missing = [KEY_COLUMN, ...plans.map((p) => p.name)].filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new StateTableError(
      'MissingColumn',
      `${source}: the header has no column ${missing.map((c) => `'${c}'`).join(', ')}; ${entity.name} needs '${KEY_COLUMN}' and one column per field (${plans.map((p) => p.name).join(', ')})`,
      { column: missing[0]! },
    );
  }
  const keyIndex = columns.indexOf(KEY_COLUMN);
  const out: StateRow[] = [];
  const seen = new Map<string, number>();
  for (let r = 1; r < records.length; r++) {
    const record = records[r]!;
    const row = r;
    const where = `${source} row ${row} (line ${record.line})`;
    if (record.cells.length === 1 && record.cells[0] === '' && !record.quoted[0]) continue; // blank line
    if (record.cells.length !== columns.length) {
      throw new StateTableError('Malformed', `${where}: ${record.cells.length} cells, but the header has ${columns.length} columns`, { row });
    }
    const key = record.cells[keyIndex]!;
    if (key === '' && !record.quoted[keyIndex]) {
      throw new StateTableError('ValueType', `${where}, column '${KEY_COLUMN}': empty; every row needs a key`, { row, column: KEY_COLUMN });
    }
    const tooLong = checkKey(key);
    if (tooLong) throw new StateTableError('ValueType', `${where}, column '${KEY_COLUMN}': ${tooLong}`, { row, column: KEY_COLUMN });
    const before = seen.get(key);
    if (before !== undefined) {
      throw new StateTableError('ValueType', `${where}, column '${KEY_COLUMN}': key '${key}' already used in row ${before}; keys must be unique`, { row, column: KEY_COLUMN, key });
    }
    seen.set(key, row);
    const state: EntityState = {};
    for (let c = 0; c < columns.length; c++) {
      if (c === keyIndex) continue;
      const plan = byName.get(columns[c]!)!;
      const value = convertCell(plan, record.cells[c]!, record.quoted[c]!, (problem) =>
        new StateTableError('ValueType', `${where}, column '${plan.name}': ${problem}`, { row, column: plan.name, key }),
      );
      setField(state, plan.name, value);
    }
    out.push([key, state]);
  }
  return out;
}

function convertCell(plan: ColumnPlan, cell: string, quoted: boolean, fail: (problem: string) => StateTableError): EncodedValue {
  const type = describeType(plan.type);
  if (cell === '' && !quoted && plan.kind !== 'str') {
    if (plan.optional) return null;
    throw fail(`empty cell, but the field is ${type}; fill it in, or annotate the field Optional[${type}] to allow None`);
  }
  if (cell === '' && !quoted && plan.kind === 'str' && plan.optional) return null;
  const bad = (what: string): StateTableError => fail(`'${cell.length > 40 ? `${cell.slice(0, 37)}...` : cell}' is not ${what} (the field is ${type})`);
  const text = cell.trim();
  switch (plan.kind) {
    case 'int':
      if (!/^[+-]?\d+$/.test(text)) throw bad('an integer');
      return encodeInt(BigInt(text));
    case 'float': {
      const x = parsePythonFloat(text);
      if (x === undefined) throw bad('a number');
      return encodeFloat(x);
    }
    case 'bool': {
      const t = text.toLowerCase();
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
      throw bad('a boolean (true/false, 1/0)');
    }
    case 'bytes':
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw bad('base64');
      return { $bytes: text };
    case 'str':
      return cell;
    case 'ref':
      return encodeRef(plan.entity!, cell);
    case 'json':
      try {
        return JSON.parse(cell) as EncodedValue;
      } catch {
        throw bad('JSON');
      }
  }
}
