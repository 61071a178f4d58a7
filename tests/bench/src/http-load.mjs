/**
 * Runs an HTTP load (closed or open loop) in a worker thread (src/http-worker.mjs), so
 * the load generator does not share the event loop with the server under test.
 * Resolves to the load's summary; with `trace: true` it also carries `calls`: every
 * measured call's scheduled start (CLOCK_MONOTONIC ms) and latency, as Float64Arrays.
 */
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

const HERE = dirname(new URL(import.meta.url).pathname);

export function runHttpLoad(url, data) {
  return new Promise((resolveRun, reject) => {
    const worker = new Worker(join(HERE, 'http-worker.mjs'), { workerData: { url, ...data } });
    worker.once('message', resolveRun);
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`HTTP load worker exited with ${code}`)));
  });
}
