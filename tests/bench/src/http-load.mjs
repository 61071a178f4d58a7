/**
 * Runs an HTTP load (closed or open loop) in a worker thread (src/http-worker.mjs), so
 * the load generator does not share the event loop with the server under test.
 * Resolves to the load's summary. With a `trace` (a StallTrace), the worker also records
 * every measured call and its own collections, and they are added to the trace.
 */
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

const HERE = dirname(new URL(import.meta.url).pathname);

export async function runHttpLoad(url, data, trace) {
  const { calls, clientGcs, ...result } = await new Promise((resolveRun, reject) => {
    const worker = new Worker(join(HERE, 'http-worker.mjs'), { workerData: { url, ...data, trace: !!trace } });
    worker.once('message', resolveRun);
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`HTTP load worker exited with ${code}`)));
  });
  if (trace && calls) trace.addCalls(calls, clientGcs);
  return result;
}
