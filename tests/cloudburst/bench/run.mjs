#!/usr/bin/env node
// The Cloudburst backend's benchmark, in one run on a local Anna and Cloudburst:
//  1. generated vs reference: transfers between 100 accounts through the gateway's Invoke
//     API, StateFlow's generated function against a hand-written Cloudburst function
//     (bench/reference.py) on the same Anna, scheduler and executor;
//  2. side by side over the HTTP API: `stateflow run --target cloudburst` (HTTP gateway ->
//     Invoke API -> call_dag) against `stateflow serve` (the embedded runtime).
// Usage: node bench/run.mjs [--calls 300] [--concurrency 4]   (writes bench/latest.json)
// Needs tools/engines/cloudburst/build.sh and the workspace built.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildCloudburstDeployment, findCloudburstEnv, runCloudburstLocally } from '@stateflow/backend-cloudburst';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '300' }, concurrency: { type: 'string', default: '4' } } });
const CALLS = Number(values.calls), CONCURRENCY = Number(values.concurrency), ACCOUNTS = 100;
const here = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(here, '..', '..', '..');
const FIXTURES = join(ROOT, 'packages', 'backend-cloudburst', 'test', 'fixtures');
const BIN = join(ROOT, 'packages', 'cli', 'dist', 'bin.js');
const program = JSON.parse(readFileSync(join(FIXTURES, 'transfers.ir.json'), 'utf8'));
const env = findCloudburstEnv();
const root = mkdtempSync(join(tmpdir(), 'sf-cloudburst-bench-'));

const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const pair = (i) => { const a = i % ACCOUNTS; const b = (a * 7 + 3) % ACCOUNTS; return [a, b === a ? (a + 1) % ACCOUNTS : b]; };

/** Latency one caller at a time, then throughput with CONCURRENCY callers. */
async function measure(label, call) {
  const lat = [];
  for (let i = 0; i < CALLS; i++) { const t = performance.now(); await call(i); lat.push(performance.now() - t); }
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < CALLS) await call(CALLS + next++); }));
  const seconds = (performance.now() - t0) / 1000;
  const r = { label, p50: +pct(lat, 50).toFixed(2), p99: +pct(lat, 99).toFixed(2), throughput: +(CALLS / seconds).toFixed(1) };
  console.error(`  ${label}: p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.throughput} calls/s`);
  return r;
}

const invoke = async (endpoint, name, payload) => {
  const res = await fetch(`${endpoint}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: JSON.stringify(payload) });
  const text = await res.text();
  if (res.headers.get('x-amz-function-error')) throw new Error(text);
  const body = JSON.parse(text);
  if (!('ok' in body.result)) throw new Error(text);
  return body;
};
const post = async (url, path, body) => {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out = await res.json();
  if (res.status >= 300) throw new Error(JSON.stringify(out));
  return out;
};

/** Starts a CLI command and resolves with its URL (the line matching `pattern`). */
function startCli(args, pattern) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr.on('data', (c) => (err += c));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      const m = pattern.exec(out);
      if (m) resolve({ url: m[1], stop: () => new Promise((r) => { child.on('exit', r); child.kill('SIGINT'); }) });
    });
    child.on('exit', (code) => reject(new Error(`stateflow ${args[0]} exited ${code}: ${err.slice(-2000)}`)));
  });
}

const reply = { channel: 'lambda', id: 'bench' };
const results = {};
try {
  // 1. Generated vs reference, same Cloudburst.
  console.error('generated function vs hand-written Cloudburst function (Invoke API of the gateway)');
  const out = join(root, 'app');
  await buildCloudburstDeployment(program, out);
  const cb = await runCloudburstLocally(out, { extraDags: ['ref-accounts'] });
  try {
    execFileSync(env.python, [join(here, 'reference.py')], { stdio: ['ignore', 'ignore', 'inherit'] });
    const variants = [
      ['StateFlow (generated)', cb.functionName, 'sf'],
      ['reference (hand-written)', 'ref-accounts', 'ref'],
    ];
    for (const [label, name, tag] of variants) {
      for (let i = 0; i < ACCOUNTS; i++) await invoke(cb.endpoint, name, { kind: 'Construct', requestId: `${tag}-c${i}`, replyTo: reply, entity: 'Account', args: [`${tag}${i}`, 1_000_000], kwargs: {} });
    }
    // Paired samples, so that load from other processes hits both alike: latency
    // alternates one generated and one reference call (order flipped each time);
    // throughput alternates windows of CALLS/ROUNDS calls with CONCURRENCY callers.
    const transfer = (name, tag, i) => {
      const [a, b] = pair(i);
      return invoke(cb.endpoint, name, { kind: 'Invoke', requestId: `${tag}-t${i}`, replyTo: reply, target: { entity: 'Account', key: `${tag}${a}` }, method: 'transfer', args: [{ $entity: 'Account', $key: `${tag}${b}` }, 1], kwargs: {} });
    };
    const lat = { sf: [], ref: [] };
    for (let i = 0; i < CALLS; i++) {
      const order = i % 2 === 0 ? variants : [...variants].reverse();
      for (const [, name, tag] of order) { const t = performance.now(); await transfer(name, tag, i); lat[tag].push(performance.now() - t); }
    }
    const ROUNDS = 4, per = Math.ceil(CALLS / ROUNDS);
    const busy = { sf: 0, ref: 0 }, count = { sf: 0, ref: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [, name, tag] of round % 2 === 0 ? variants : [...variants].reverse()) {
        let next = 0;
        const base = CALLS + round * per;
        const t0 = performance.now();
        await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < per) await transfer(name, tag, base + next++); }));
        busy[tag] += performance.now() - t0;
        count[tag] += per;
      }
    }
    const summary = (tag) => ({ p50: +pct(lat[tag], 50).toFixed(2), p99: +pct(lat[tag], 99).toFixed(2), throughput: +((count[tag] / busy[tag]) * 1000).toFixed(1) });
    results.generated = summary('sf');
    results.reference = summary('ref');
    for (const [label, , tag] of variants) console.error(`  ${label}: p50 ${results[tag === 'sf' ? 'generated' : 'reference'].p50} ms, p99 ${results[tag === 'sf' ? 'generated' : 'reference'].p99} ms, ${results[tag === 'sf' ? 'generated' : 'reference'].throughput} calls/s`);
    results.ratios = {
      p50: +(results.generated.p50 / results.reference.p50).toFixed(2),
      throughput: +(results.generated.throughput / results.reference.throughput).toFixed(2),
    };
  } finally {
    await cb.stop();
  }

  // 2. Side by side over the HTTP API.
  console.error('the HTTP API: stateflow run --target cloudburst vs stateflow serve (embedded runtime)');
  const app = join(FIXTURES, 'transfers.py');
  const httpWorkload = async (label, url) => {
    for (let i = 0; i < ACCOUNTS; i++) await post(url, '/Account', { args: [`h${i}`, 1_000_000] });
    return measure(label, (i) => { const [a, b] = pair(i); return post(url, `/Account/h${a}/transfer`, { args: [{ $entity: 'Account', $key: `h${b}` }, 1] }); });
  };
  const run = await startCli(['run', app, '--target', 'cloudburst', '--port', '0'], /StateFlow running .* at (http:\/\/\S+)/);
  try { results.httpCloudburst = await httpWorkload('HTTP -> stateflow run --target cloudburst', run.url); } finally { await run.stop(); }
  const serve = await startCli(['serve', app, '--in-memory', '--port', '0'], /StateFlow serving .* on (http:\/\/\S+)/);
  try { results.httpEmbedded = await httpWorkload('HTTP -> stateflow serve (embedded runtime, in memory)', serve.url); } finally { await serve.stop(); }
  results.httpRatios = {
    p50: +(results.httpCloudburst.p50 / results.httpEmbedded.p50).toFixed(2),
    throughput: +(results.httpCloudburst.throughput / results.httpEmbedded.throughput).toFixed(2),
  };
} finally {
  rmSync(root, { recursive: true, force: true });
}
const report = { date: new Date().toISOString(), calls: CALLS, concurrency: CONCURRENCY, accounts: ACCOUNTS, cpus: cpus().length, note: 'machine shared with other jobs; generated vs reference sampled in alternation (latency call by call, throughput in 4 alternating windows each)', ...results };
writeFileSync(join(here, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify(report, null, 2));
