#!/usr/bin/env node
// Node-side cost of the embedded runtime alone: the real LocalRuntime (in memory,
// in-process, local routing on 2 partitions) with a JS host that answers every event
// at once, so only the runtime's own work and the load generator use the CPU.
// Prints peak ops/s and Node CPU µs per call.
// Usage: node src/runtime-probe.mjs [--workload A|B|T] [--dist uniform|zipf] [--duration s]
//                                   [--runtime <path of a built runtime-local index.js>]
// `--runtime` loads another build (e.g. a copy of `dist` from before a change) for
// side-by-side runs.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { compile } from '@stateflow/frontend-python';
import { closedLoop } from './load.mjs';
import { accountKey, operations } from './workloads.mjs';

const HERE = dirname(new URL(import.meta.url).pathname);
const { values: o } = parseArgs({
  options: {
    workload: { type: 'string', default: 'A' },
    dist: { type: 'string', default: 'zipf' },
    duration: { type: 'string', default: '3' },
    entities: { type: 'string', default: '10000' },
    runtime: { type: 'string' },
  },
});
const entities = Number(o.entities);
const { LocalRuntime } = await import(o.runtime ? pathToFileURL(resolve(o.runtime)).href : '@stateflow/runtime-local');

const path = join(HERE, '..', 'programs', 'accounts.py');
const { program } = await compile(readFileSync(path, 'utf8'), { path });

const WORKERS = 2;
function hash(s) {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h >>> 0;
}
function response(event, result) {
  return { kind: 'Response', requestId: event.requestId, seq: 1, stack: [], replyTo: event.replyTo, result };
}
/** Answers on the next turn of the event loop, like a worker's reply would arrive. */
const host = {
  kind: 'null',
  parallelism: WORKERS,
  async load() {},
  async close() {},
  partitionOf: (e) => ('target' in e ? hash(e.target.key) % WORKERS : 0),
  async process() {
    throw new Error('the probe host only supports processOn');
  },
  processOn(_worker, batch) {
    return new Promise((done) =>
      setImmediate(() =>
        done({
          results: batch.map(({ event }) =>
            event.kind === 'Construct'
              ? { state: { id: event.args[0], balance: 1, field0: 'x' }, out: [response(event, { ok: { $entity: 'Account', $key: event.args[0] } })] }
              : { out: [response(event, { ok: 1 })] },
          ),
        }),
      ),
    );
  },
};

const runtime = await LocalRuntime.start(program, { host, maxConcurrentBatches: WORKERS });
const created = [];
for (let k = 0; k < entities; k++) created.push(runtime.create('Account', [accountKey(k), 1_000_000]));
await Promise.all(created);
const call = (op) => runtime.invoke('Account', op.key, op.method, op.args).then((r) => 'ok' in r);
await closedLoop(call, operations(o.workload, o.dist, entities, 7), { concurrency: 1024, durationMs: 1000 });
const before = process.cpuUsage();
const peak = await closedLoop(call, operations(o.workload, o.dist, entities, 8), { concurrency: 1024, durationMs: Number(o.duration) * 1000 });
const cpu = process.cpuUsage(before);
const perCall = (cpu.user + cpu.system) / (peak.ops + peak.errors);
// Events per host batch over the whole run (from /metrics): the batching must not change.
const metric = (name) => Number(runtime.metrics.render().match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1]);
const perBatch = metric('stateflow_batch_size_sum') / metric('stateflow_batch_size_count');
console.log(
  `runtime probe${o.runtime ? ` (${o.runtime})` : ''}: ops/s ${Math.round(peak.opsPerSec)} node µs/call ${perCall.toFixed(2)} ` +
    `events/batch ${perBatch.toFixed(1)} errors ${peak.errors}`,
);
await runtime.stop();
