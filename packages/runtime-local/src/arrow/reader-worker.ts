import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Heap of the worker that reads a file: at least this, and more for a larger file. */
const MIN_HEAP_MB = 256;
const HEAP_PER_INPUT_MB = 16;
/** Time the worker may take: this, plus a second per MB of input. */
const BASE_TIME_MS = 5_000;
const TIME_PER_INPUT_MB_MS = 1_000;

/**
 * Runs in the worker (CommonJS, evaluated from this string): reads Arrow IPC bytes with
 * apache-arrow (record batches by index: `readAll()` never advances past a footer block that
 * holds another kind of message) and writes the table again as an IPC stream, which
 * apache-arrow's own writer makes consistent with what it declares.
 */
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const arrow = require(workerData.arrowPath);
try {
  const reader = arrow.RecordBatchReader.from(workerData.bytes);
  reader.open();
  let batches;
  if (reader.isFile()) {
    batches = [];
    for (let i = 0; i < reader.numRecordBatches; i++) {
      const batch = reader.readRecordBatch(i);
      if (!batch) throw new Error('its record batch ' + (i + 1) + ' is damaged');
      batches.push(batch);
    }
  } else {
    batches = reader.readAll();
  }
  const table = new arrow.Table(reader.schema, batches);
  const out = arrow.tableToIPC(table, 'stream');
  parentPort.postMessage({ ok: out, rows: table.numRows }, [out.buffer]);
} catch (err) {
  parentPort.postMessage({ error: err && err.message ? String(err.message) : String(err) });
}
`;

/** What reading gave: the table as a well-formed IPC stream and its row count, or why it failed. */
export type WorkerRead = { ok: Uint8Array; rows: number } | { error: string };

/**
 * Reads Arrow IPC bytes in a worker thread whose heap and time are capped. apache-arrow
 * trusts the counts a file's metadata declares and decodes each listed entry before anything
 * can check it, so a damaged count of two billion keeps it busy for minutes or exhausts the
 * heap; here that fails only the worker, and the read is refused.
 */
export function readInWorker(bytes: Uint8Array): Promise<WorkerRead> {
  const mb = bytes.length / 2 ** 20;
  const timeLimitMs = Math.round(BASE_TIME_MS + TIME_PER_INPUT_MB_MS * mb);
  const arrowPath = createRequire(import.meta.url).resolve('apache-arrow');
  const worker = new Worker(WORKER_CODE, {
    eval: true,
    workerData: { bytes, arrowPath },
    resourceLimits: { maxOldGenerationSizeMb: Math.max(MIN_HEAP_MB, Math.ceil(HEAP_PER_INPUT_MB * mb)) },
  });
  return new Promise((resolve) => {
    const done = (result: WorkerRead) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(() => done({ error: `reading it took more than ${Math.ceil(timeLimitMs / 1000)} s (its metadata most likely declares far more entries than it holds)` }), timeLimitMs);
    worker.once('message', (message: WorkerRead) => done(message));
    worker.once('error', (err: Error & { code?: string }) =>
      done({ error: err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'reading it needed more memory than a file of its size can (its metadata most likely declares far more entries than it holds)' : err.message }),
    );
    worker.once('exit', (code) => done({ error: `the reader stopped (exit code ${code})` }));
  });
}
