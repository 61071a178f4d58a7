import { StateTableError } from './errors.js';

/** One CSV record: its cells, whether each was quoted, and the line it starts on (1-based). */
export interface CsvRecord {
  cells: string[];
  quoted: boolean[];
  line: number;
}

/**
 * Parses CSV text (RFC 4180): comma separated, fields optionally in double quotes, a
 * doubled quote (`""`) inside a quoted field is one quote, quoted fields may hold commas
 * and line breaks; records end with CRLF or LF. A UTF-8 byte-order mark is skipped, and
 * a final line break does not make an empty record. `quoted` tells `""` (an empty
 * string) from an empty unquoted cell.
 *
 * @throws {StateTableError} `Malformed` for an unterminated quote or text after a closing quote.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let line = 1;
  while (i < n) {
    const record: CsvRecord = { cells: [], quoted: [], line };
    for (;;) {
      let cell: string;
      let quoted = false;
      if (text[i] === '"') {
        quoted = true;
        const startLine = line;
        let value = '';
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new StateTableError('Malformed', `line ${startLine}: a quoted field is never closed (missing '"')`);
          const chunk = text.slice(i, q);
          for (let k = 0; k < chunk.length; k++) if (chunk.charCodeAt(k) === 10) line++;
          value += chunk;
          if (text[q + 1] === '"') {
            value += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        const next = text[i];
        if (i < n && next !== ',' && next !== '\n' && next !== '\r') {
          throw new StateTableError('Malformed', `line ${line}: unexpected text after a closing quote; a quote inside a quoted field is written twice ("")`);
        }
        cell = value;
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === 44 || c === 10 || c === 13) break;
          j++;
        }
        cell = text.slice(i, j);
        i = j;
      }
      record.cells.push(cell);
      record.quoted.push(quoted);
      if (i >= n) break;
      if (text[i] === ',') {
        i++;
        continue;
      }
      // end of record: CRLF, LF or a lone CR
      if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
      else i += 1;
      line++;
      break;
    }
    records.push(record);
  }
  return records;
}
