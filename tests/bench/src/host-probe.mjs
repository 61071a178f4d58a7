#!/usr/bin/env node
// The host layer's CPU per call, without the runtime: one CPython kernel process, local
// routing, batches of 200 distinct accounts sent one after the other (workload A:
// read/update; T: transfer to the next account, every hop inside the process).
// Prints Node and kernel CPU µs per call. `--root <checkout>` measures another build
// (its packages' dist) for side-by-side runs; default: this checkout.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const HERE = dirname(new URL(import.meta.url).pathname);
const { values: o } = parseArgs({ options: { root: { type: 'string' } } });
const root = resolve(o.root ?? resolve(HERE, '..', '..', '..'));
const { compile } = await import(`${root}/packages/frontend-python/dist/index.js`);
const { createPythonHost } = await import(`${root}/packages/python-host/dist/index.js`);
const path = `${root}/tests/bench/programs/accounts.py`;
const { program } = await compile(readFileSync(path, 'utf8'), { path });
const host = await createPythonHost({ kind: 'subprocess', workers: 1, stderr: 'capture' });
await host.load(program);
const replyTo = { channel: 'local', id: 'x' };
let rid = 0;
const ev = (key, method, args) => ({ kind: 'Invoke', requestId: 'r' + rid++, seq: 0, stack: [], replyTo, target: { entity: 'Account', key }, method, args, kwargs: {} });
const N = 2000;
const states = new Map();
// create
for (let s = 0; s < N; s += 200) {
  const batch = [];
  for (let k = s; k < s + 200; k++) batch.push({ event: { kind: 'Construct', requestId: 'c' + k, seq: 0, stack: [], replyTo, entity: 'Account', args: ['a' + k, 1000000], kwargs: {} }, state: null });
  const { results } = await host.processOn(0, batch, { exclude: [], maxSeq: 1000, maxLocal: 4096 });
  const inserts = results.map((r) => r.out[0]);
  const r2 = await host.processOn(0, inserts.map((e) => ({ event: e, state: null })), { exclude: [], maxSeq: 1000, maxLocal: 4096 });
  inserts.forEach((e, i) => states.set(e.target.key, r2.results[i].state));
}
function kidsCpu() {
  let t = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try { const st = readFileSync(`/proc/${name}/stat`, 'utf8'); const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) !== process.pid) continue; t += (Number(f[11]) + Number(f[12])) * 1e4; // ticks (1/100 s) to µs
    } catch {}
  }
  return t;
}
async function run(kind, rounds) {
  let events = 0;
  const c0 = process.cpuUsage(); const k0 = kidsCpu();
  for (let r = 0; r < rounds; r++) {
    const batch = [];
    for (let i = 0; i < 200; i++) {
      const k = 'a' + ((r * 200 + i * 7) % N);
      const e = kind === 'A' ? (i % 2 ? ev(k, 'read', []) : ev(k, 'update', ['y'.repeat(100)])) : ev(k, 'transfer', [1, { $entity: 'Account', $key: 'a' + ((r * 200 + i * 7 + 1) % N) }]);
      batch.push({ event: e, state: states.get(k) });
    }
    const { results, local } = await host.processOn(0, batch, { exclude: [], maxSeq: 1000, maxLocal: 4096 });
    batch.forEach((b, i) => { if (results[i].state) states.set(b.event.target.key, results[i].state); });
    if (local) for (const { address, state } of local.states) states.set(address.key, state);
    events += 200;
  }
  const c = process.cpuUsage(c0); const k = kidsCpu() - k0;
  return { node: (c.user + c.system) / events, kernel: k / events };
}
await run('A', 100); await run('T', 50);
for (const kind of ['A', 'T']) {
  const r = await run(kind, kind === 'A' ? 1500 : 600);
  console.log(JSON.stringify({ root, workload: kind, nodeUsPerCall: r.node.toFixed(2), kernelUsPerCall: r.kernel.toFixed(2) }));
}
await host.close();
