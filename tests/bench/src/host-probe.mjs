#!/usr/bin/env node
// The host layer's CPU per call, without the runtime: one CPython kernel process, local
// routing, batches of 200 distinct accounts sent one after the other (workload A:
// read/update; T: transfer to the next account, every hop inside the process).
// Prints Node and kernel CPU µs per call. `--root <checkout>` measures another build
// (its packages' dist) for side-by-side runs; default: this checkout.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { childrenCpuMicros } from './child-cpu.mjs';

const HERE = dirname(new URL(import.meta.url).pathname);
const { values: o } = parseArgs({ options: { root: { type: 'string' } } });
const root = resolve(o.root ?? resolve(HERE, '..', '..', '..'));
const { compile } = await import(`${root}/packages/frontend-python/dist/index.js`);
const { createPythonHost } = await import(`${root}/packages/python-host/dist/index.js`);
const path = `${root}/tests/bench/programs/accounts.py`;
const { program } = await compile(readFileSync(path, 'utf8'), { path });
const host = await createPythonHost({ kind: 'subprocess', workers: 1, stderr: 'capture' });
await host.load(program);

const ACCOUNTS = 2000;
const BATCH = 200;
const ROUTE = { exclude: [], maxSeq: 1000, maxLocal: 4096 };
const replyTo = { channel: 'local', id: 'host-probe' };
const base = (requestId) => ({ requestId, seq: 0, stack: [], replyTo });
let nextId = 0;
const invoke = (key, method, args) => ({ kind: 'Invoke', ...base(`r${nextId++}`), target: { entity: 'Account', key }, method, args, kwargs: {} });
const account = (n) => `a${n % ACCOUNTS}`;

/** The latest state of every account, as the runtime's store would keep it. */
const states = new Map();
for (let first = 0; first < ACCOUNTS; first += BATCH) {
  const constructs = [];
  for (let n = first; n < first + BATCH; n++) {
    constructs.push({ event: { kind: 'Construct', ...base(`c${n}`), entity: 'Account', args: [account(n), 1_000_000], kwargs: {} }, state: null });
  }
  const inserts = (await host.processOn(0, constructs, ROUTE)).results.map((r) => r.out[0]);
  const { results } = await host.processOn(0, inserts.map((event) => ({ event, state: null })), ROUTE);
  inserts.forEach((insert, i) => states.set(insert.target.key, results[i].state));
}

/** Runs `rounds` batches of one workload; returns CPU µs per call of Node and of the kernel. */
async function run(workload, rounds) {
  const node0 = process.cpuUsage();
  const kernel0 = childrenCpuMicros();
  for (let round = 0; round < rounds; round++) {
    const batch = [];
    for (let i = 0; i < BATCH; i++) {
      const n = round * BATCH + i * 7; // 200 distinct accounts per batch
      const event =
        workload === 'A'
          ? i % 2 ? invoke(account(n), 'read', []) : invoke(account(n), 'update', ['y'.repeat(100)])
          : invoke(account(n), 'transfer', [1, { $entity: 'Account', $key: account(n + 1) }]);
      batch.push({ event, state: states.get(event.target.key) });
    }
    const { results, local } = await host.processOn(0, batch, ROUTE);
    batch.forEach(({ event }, i) => results[i].state && states.set(event.target.key, results[i].state));
    for (const { address, state } of local?.states ?? []) states.set(address.key, state);
  }
  const node = process.cpuUsage(node0);
  const calls = rounds * BATCH;
  return { node: (node.user + node.system) / calls, kernel: (childrenCpuMicros() - kernel0) / calls };
}

// Warm-up, then the measured runs.
await run('A', 100);
await run('T', 50);
for (const workload of ['A', 'T']) {
  const r = await run(workload, workload === 'A' ? 1500 : 600);
  console.log(JSON.stringify({ root, workload, nodeUsPerCall: r.node.toFixed(2), kernelUsPerCall: r.kernel.toFixed(2) }));
}
await host.close();
