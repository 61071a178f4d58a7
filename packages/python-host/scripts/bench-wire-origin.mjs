#!/usr/bin/env node
// Micro-benchmark of the compact `Response` with `origin` (a callee that ran its caller's
// detached block answers the request; one such Response per transfer on the embedded
// runtime with resumeDetached). Compares, for the result of the callee's hop as the
// subprocess host's frame carries it:
//   object: the Response as a JSON object (what the kernel sent before it had a compact form),
//   compact: the Response as a list, `[2, requestId, seq, replyTo, stack, result, entity, key]`.
// It reports bytes per transfer and CPU per transfer on each side: Python (stateflow_kernel.wire
// compact_result + the frame server's JSON encoder) and Node (JSON.parse + readResults).
// Usage: node scripts/bench-wire-origin.mjs [iterations]   (after `pnpm build`; STATEFLOW_PYTHON or python3)
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { kernelPythonDir } from '@stateflow/python-kernel';
import { readResults, ReplyToTable, wireRequest } from '../dist/wire-format.js';

const iterations = Number(process.argv[2] ?? 200000);
const bank = fileURLToPath(new URL('../../ir/test/fixtures/bank.ir.json', import.meta.url));

// The Python side: the real detached Response of bob's deposit hop (bank fixture, Kernel with
// resume_detached=True), encoded both ways, each timed over `iterations` runs.
const python = `
import json, sys, timeit
from stateflow_kernel import Kernel
from stateflow_kernel.wire import compact_result, reply_index
from stateflow_kernel.serve import _dumps

program = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
reply = {"channel": "local", "id": "rt"}
kernel = Kernel(program, resume_detached=True)
ann = {"owner": "ann", "balance": 100, "transfers": 0, "history": []}
bob = {"owner": "bob", "balance": 0, "transfers": 0, "history": []}
call = {"kind": "Invoke", "requestId": "r-0123456789", "seq": 0, "stack": [], "replyTo": reply,
        "target": {"entity": "Account", "key": "ann"}, "method": "transfer",
        "args": [{"$entity": "Account", "$key": "bob"}, 30], "kwargs": {}}
(deposit,) = kernel.process(call, ann)["out"]
result = kernel.process(deposit, bob)
assert result["out"][0]["origin"] == {"entity": "Account", "key": "ann"}
ids = reply_index([reply])

def compact():
    return _dumps(compact_result(deposit, result, ids))

def object_form():
    # Before: encode_event left a Response with origin as it was.
    out = result["out"]
    return _dumps([[out[0]], result["state"]])

for f in (compact, object_form):
    f()
best = lambda f: min(timeit.repeat(f, number=n, repeat=5)) / n * 1e6
print(json.dumps({"deposit": deposit, "bobState": bob, "compact": compact(), "object": object_form(),
                  "pyCompactUs": best(compact), "pyObjectUs": best(object_form), "python": sys.version.split()[0]}))
`;
const out = JSON.parse(
  execFileSync(process.env.STATEFLOW_PYTHON ?? 'python3', ['-c', python, bank, String(iterations)], {
    env: { ...process.env, PYTHONPATH: kernelPythonDir() },
    encoding: 'utf8',
  }),
);

// The Node side: the host's table of reply addresses, as it was when it sent the deposit.
const table = new ReplyToTable();
const request = { event: { ...out.deposit, replyTo: { channel: 'local', id: 'rt' } }, state: out.bobState };
wireRequest(request, false, table);
const decode = (text) => readResults([JSON.parse(text)], [request], table.list);
const same = isDeepStrictEqual(decode(out.compact), decode(out.object));
if (!same) throw new Error('the two forms do not decode to the same result');

function nodeUs(text) {
  let sink = 0;
  for (let i = 0; i < iterations / 10; i++) sink += decode(text).length; // warm-up
  let bestUs = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) sink += decode(text).length;
    bestUs = Math.min(bestUs, ((performance.now() - t0) * 1000) / iterations);
  }
  return sink > 0 ? bestUs : NaN;
}
const nodeObjectUs = nodeUs(out.object);
const nodeCompactUs = nodeUs(out.compact);

const bytes = (text) => Buffer.byteLength(text, 'utf8');
const row = (name, object, compact, unit, digits) =>
  `| ${name} | ${object.toFixed(digits)} | ${compact.toFixed(digits)} | ${(object - compact).toFixed(digits)} ${unit} (${(100 * (1 - compact / object)).toFixed(0)}%) |`;
console.log(`One transfer's detached Response (callee's hop result), ${iterations} iterations, best of 5; Python ${out.python}, Node ${process.versions.node}`);
console.log(`object:  ${out.object}`);
console.log(`compact: ${out.compact}`);
console.log('| per transfer | object form | compact | saved |');
console.log('|---|---|---|---|');
console.log(row('bytes on the pipe', bytes(out.object), bytes(out.compact), 'B', 0));
console.log(row('Python: encode + JSON (µs)', out.pyObjectUs, out.pyCompactUs, 'µs', 2));
console.log(row('Node: JSON.parse + readResults (µs)', nodeObjectUs, nodeCompactUs, 'µs', 2));
console.log(row('both sides (µs)', out.pyObjectUs + nodeObjectUs, out.pyCompactUs + nodeCompactUs, 'µs', 2));
