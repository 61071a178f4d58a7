import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateTableError, exportStateFile, importStateFile } from '../../src/arrow/index.js';
import { Everything, everythingRows } from './entity.js';

/**
 * Fuzzing of `stateflow state import`'s readers: mutations of valid Arrow IPC, Parquet and
 * CSV files (bytes flipped, cut, inserted, repeated, 32-bit fields set to their largest
 * values; for CSV also cells, quotes and line breaks). Property: a file is either read, or
 * refused with a `StateTableError` (the CLI prints its message, naming the file); never
 * another exception, which the CLI would show as a crash, and never a hang (an Arrow file
 * whose metadata declares two billion entries is read in a worker with capped heap and time:
 * `reader-worker.ts`). A fixed seed in CI (about 30 s, mostly Arrow's worker per file and a
 * few files that reach the 5 s cap); `STATEFLOW_FUZZ_SEED=<n>` replays one,
 * `STATEFLOW_FUZZ_RUNS=<n>` runs more, `STATEFLOW_FUZZ_FORMATS=arrow,parquet,csv` picks.
 */
const SEED = Number(process.env['STATEFLOW_FUZZ_SEED'] ?? 20_261_207);
const RUNS = Number(process.env['STATEFLOW_FUZZ_RUNS'] ?? 300);
const FORMATS = (process.env['STATEFLOW_FUZZ_FORMATS'] ?? 'arrow,parquet,csv').split(',');

const dir = mkdtempSync(join(tmpdir(), 'sf-state-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const valid: { [format: string]: Uint8Array } = {};

beforeAll(async () => {
  for (const ext of ['arrow', 'parquet']) {
    const path = join(dir, `valid.${ext}`);
    await exportStateFile(Everything, everythingRows, path);
    valid[ext] = readFileSync(path);
  }
  valid['csv'] = Buffer.from(
    '__key__,count,price,name,active,blob,note,owner,best_friend,tags,scores,pair,ids,anything,either\n' +
      'a,3,1.5,"Ünïcode ✓",true,AAH/,hello,ann,,"[""x""]","{""m"": 1}","[1, ""one""]","[1, 2]",null,"""text"""\n' +
      'b,9007199254740993,nan,"",false,AA==,,bob,carl,[],{},"[-1, """"]",[],"[1, {""$float"": ""1e+300""}]",7\n',
  );
});

/** One edit of a file's bytes. */
const byteEdit = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 256 }) }),
  // Lengths and offsets: the largest values of a 32-bit field, where a reader might allocate.
  fc.record({ op: fc.constant('big' as const), at: fc.nat(), value: fc.constantFrom(0xff, 0x7f, 0x80) }),
);

/** One edit of a CSV's text, on top of the byte edits. */
const csvText = fc.constantFrom('"', '""', ',', '\n', '\r\n', '\ufeff', 'null', 'nan', '-inf', '1e999', '99999999999999999999999', '{"$int": "x"}', '[', '{', '\u0000', '\ud800', '__key__', 'a');
const csvEdit = fc.record({ op: fc.constant('text' as const), at: fc.nat(), text: csvText });

type Edit = { op: string; at: number; value?: number; length?: number; bytes?: Uint8Array; text?: string };

function apply(input: Uint8Array, edits: Edit[]): Uint8Array {
  let bytes = Buffer.from(input);
  for (const e of edits) {
    const at = bytes.length === 0 ? 0 : e.at % (bytes.length + 1);
    switch (e.op) {
      case 'flip':
        if (at < bytes.length) bytes[at] = e.value!;
        break;
      case 'cut':
        bytes = bytes.subarray(0, at);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + e.length!)]);
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(e.bytes!), bytes.subarray(at)]);
        break;
      case 'repeat':
        bytes = Buffer.concat([bytes.subarray(0, at + e.length!), bytes.subarray(at)]);
        break;
      case 'big':
        for (let i = at; i < Math.min(at + 4, bytes.length); i++) bytes[i] = e.value!;
        break;
      case 'text':
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(e.text!), bytes.subarray(at)]);
        break;
    }
  }
  return bytes;
}

let file = 0;

/** Imports `bytes` as a file of `format`; returns what happened, or throws what is not a clear refusal. */
async function importBytes(format: string, bytes: Uint8Array): Promise<'read' | 'refused'> {
  const path = join(dir, `input-${file++}.${format}`);
  writeFileSync(path, bytes);
  try {
    await importStateFile(Everything, path);
    return 'read';
  } catch (err) {
    if (!(err instanceof StateTableError)) throw err;
    // A refusal names the file (the CLI prints only the message).
    expect(err.message).toContain(path);
    return 'refused';
  } finally {
    rmSync(path, { force: true });
  }
}

describe.each(FORMATS)('importing a damaged .%s file', (format) => {
  it('reads it or refuses it with a StateTableError naming the file, never crashes', async () => {
    const edits = format === 'csv' ? fc.oneof(byteEdit, csvEdit, csvEdit) : byteEdit;
    const seen = { read: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(edits, { minLength: 1, maxLength: 4 }), async (list) => {
        seen[await importBytes(format, apply(valid[format]!, list as Edit[]))]++;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // Both outcomes happen, so the property is not vacuous.
    expect(seen.refused).toBeGreaterThan(0);
    expect(await importBytes(format, valid[format]!)).toBe('read');
  }, Math.max(120_000, RUNS * 1_000));
});
