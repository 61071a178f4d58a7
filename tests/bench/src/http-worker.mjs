// Load generator for the HTTP API, run in a worker thread so it does not share the
// event loop with the server under test. Keep-alive connections, at most `sockets` at once.
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { CallRecorder, monotonicMs } from './call-recorder.mjs';
import { closedLoop, openLoop } from './load.mjs';
import { operations } from './workloads.mjs';

const { url, workload, dist, entities, seed, mode, concurrency, sockets, durationMs, warmupMs, rate, trace } = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
const base = new URL(url);

function call(op) {
  const body = JSON.stringify({ args: op.args });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path: `/Account/${encodeURIComponent(op.key)}/${op.method}`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// `trace`: keep every measured call, on the monotonic clock the main thread's tracer uses.
const calls = trace ? new CallRecorder() : undefined;

// The load generator's own collections (its isolate is not the server's): a pause here
// delays the calls it measures just as a server pause would.
const clientGcs = [];
let observer;
if (trace) {
  const { PerformanceObserver } = await import('node:perf_hooks');
  observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) clientGcs.push([monotonicMs(e.startTime), e.duration, e.detail?.kind]);
  });
  observer.observe({ entryTypes: ['gc'] });
}

const ops = operations(workload, dist, entities, seed);
const result =
  mode === 'open'
    ? await openLoop(call, ops, { rate, durationMs, warmupMs, onAnswer: calls?.onAnswer })
    : await closedLoop(call, ops, { concurrency, durationMs, warmupMs });
agent.destroy();
observer?.disconnect();
if (calls) {
  result.calls = calls.data();
  result.clientGcs = clientGcs;
}
parentPort.postMessage(result);
