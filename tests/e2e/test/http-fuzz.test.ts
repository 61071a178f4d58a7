import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Campaign, describeFinding, groupFindings, type Finding } from './support/fuzz/campaign.js';
import { ALLOWED_HOST, anyRequest, CORS_ORIGIN, LEDGER_COUNTERS, NOISE_BOXES, NOISE_COUNTERS, TOKEN, type FuzzRequest } from './support/fuzz/requests.js';
import { FuzzSender, type Outcome } from './support/fuzz/send.js';
import { startServe, type Served } from './support/serve.js';

/**
 * Property-based fuzzing of the HTTP API, against `stateflow serve` on both Python hosts
 * with the durable store: random bodies (valid and broken JSON, deep nesting, huge numbers,
 * every tagged value well- and ill-formed), headers (Content-Type, Host, Origin,
 * Idempotency-Key, Authorization), paths (odd entity names and keys, `.`, `..`, `%`,
 * unicode, very long), sent concurrently. Properties: no 5xx and always an answer; every
 * error is `{"error": {"type", "message"}}`; requests the browser and auth rules refuse
 * are refused; well-formed writes succeed; plain JSON echoes back unchanged; the server
 * is ready at the end; the final state matches the ledger of acknowledged writes.
 *
 * CI runs a fixed seed and a random one (printed) per host, about 2,000 requests each.
 * `STATEFLOW_FUZZ_SEED=<n>` replays one seed; `STATEFLOW_FUZZ_SOAK=1` runs for
 * `STATEFLOW_FUZZ_DURATION` seconds per host (default 600) and reports every finding
 * instead of stopping at the first; `STATEFLOW_FUZZ_HOSTS=subprocess` picks the hosts.
 */
const SOAK = process.env['STATEFLOW_FUZZ_SOAK'] === '1';
const DURATION_S = Number(process.env['STATEFLOW_FUZZ_DURATION'] ?? (SOAK ? 600 : 75));
const FIXED_SEED = 20_261_206;
const SEEDS = process.env['STATEFLOW_FUZZ_SEED']
  ? [Number(process.env['STATEFLOW_FUZZ_SEED'])]
  : SOAK
    ? [Date.now() % 2 ** 31]
    : [FIXED_SEED, Date.now() % 2 ** 31];
const REQUESTS_PER_HOST = Number(process.env['STATEFLOW_FUZZ_REQUESTS'] ?? (SOAK ? 1e9 : 2_000));
const BATCH = 24;
const CONCURRENCY = 8;
const HOSTS = (process.env['STATEFLOW_FUZZ_HOSTS'] ?? 'subprocess,pyodide').split(',') as ('subprocess' | 'pyodide')[];

const dirs: string[] = [];
const servers: Served[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function sendAll(sender: FuzzSender, batch: FuzzRequest[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(batch.length);
  let next = 0;
  const worker = async () => {
    while (next < batch.length) {
      const i = next++;
      outcomes[i] = await sender.send(batch[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, batch.length) }, worker));
  return outcomes;
}

/** Creates the counters and boxes the requests address. */
async function seedState(sender: FuzzSender): Promise<void> {
  const headers = { host: 'bound', origin: 'none', auth: 'good', contentType: 'application/json', idempotencyKey: undefined } as const;
  const creates = [
    ...[...LEDGER_COUNTERS, ...NOISE_COUNTERS].map((name) => ({ path: '/Counter', body: JSON.stringify({ args: [name] }) })),
    ...NOISE_BOXES.map((name) => ({ path: '/Box', body: JSON.stringify({ args: [name, null] }) })),
  ];
  for (const { path, body } of creates) {
    const outcome = await sender.send({ label: 'setup', method: 'POST', path, headers, body });
    expect(outcome.kind === 'response' && outcome.status).toBe(201);
  }
}

describe.each(HOSTS)('HTTP fuzz on the %s host', (kind) => {
  it(
    'answers every request without a 5xx, stays ready, and loses no acknowledged write',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'sf-fuzz-'));
      dirs.push(dataDir);
      const served = await startServe([
        'tests/e2e/apps/fuzz.py',
        '--port', '0',
        '--python-host', kind,
        '--workers', '2',
        '--data-dir', dataDir,
        '--token', TOKEN,
        '--allowed-host', ALLOWED_HOST,
        '--cors-origin', CORS_ORIGIN,
        '--timeout-ms', '5000',
      ]);
      servers.push(served);
      const sender = new FuzzSender(Number(new URL(served.url).port), CONCURRENCY);
      const campaign = new Campaign();
      const failures: string[] = [];
      const started = Date.now();
      try {
        await seedState(sender);
        for (const seed of SEEDS) {
          const budgetMs = (DURATION_S * 1000) / SEEDS.length;
          const target = campaign.requests + REQUESTS_PER_HOST / SEEDS.length;
          let running: Promise<unknown> = Promise.resolve();
          const property = fc.asyncProperty(fc.array(anyRequest, { minLength: 1, maxLength: BATCH, size: 'max' }), async (batch) => {
            const sending = sendAll(sender, batch);
            running = sending;
            const outcomes = await sending;
            const found = batch.flatMap((req, i) => campaign.record(req, outcomes[i]!));
            // CI stops at the first broken rule and lets fast-check shrink the batch; a soak reports them all at the end.
            if (!SOAK && found.length > 0) throw new Error(found.map((f) => describeFinding(f, sender)).join('\n'));
          });
          const result = await fc.check(property, {
            seed,
            // Batches hold 11 requests on average (1 to BATCH).
            numRuns: SOAK ? 1e9 : Math.ceil((target - campaign.requests) / 11),
            interruptAfterTimeLimit: budgetMs,
            markInterruptAsFailure: false,
          });
          // A run cut off by the time limit goes on in the background: let it finish, so the ledger sees its answers.
          await running;
          if (result.failed) {
            const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
            failures.push(`seed ${seed}, path ${result.counterexamplePath} (replay: STATEFLOW_FUZZ_SEED=${seed}), after shrinking ${result.numShrinks} times:\n${error}`);
          }
        }
        const health = await sender.send({ label: 'final health', method: 'GET', path: '/health', headers: { host: 'bound', origin: 'none', auth: 'good', contentType: undefined, idempotencyKey: undefined }, body: undefined });
        if (!(health.kind === 'response' && health.status === 200 && health.json?.ready === true)) {
          failures.push(`the server is not ready at the end: ${health.kind === 'response' ? `${health.status} ${health.text}` : health.error}`);
        }
        await campaign.checkFinalState(sender);
      } finally {
        sender.close();
        console.log(report(kind, campaign, Date.now() - started, sender));
      }
      const afterFuzz = campaign.findings.filter((f: Finding) => /ledger|read back|collision|final/.test(f.rule));
      expect({ failures, finalFindings: afterFuzz.map((f) => describeFinding(f, sender)), findings: campaign.findings.length }).toEqual({
        failures: [],
        finalFindings: [],
        findings: 0,
      });
    },
    (DURATION_S + 120) * 1000,
  );
});

function report(kind: string, c: Campaign, elapsedMs: number, sender: FuzzSender): string {
  const seeds = SEEDS.map((s) => (s === FIXED_SEED ? `${s} (fixed)` : `${s} (replay: STATEFLOW_FUZZ_SEED=${s})`)).join(', ');
  const lines = [
    `HTTP fuzz, ${kind} host: seeds ${seeds}; ${(elapsedMs / 1000).toFixed(1)} s`,
    `  requests ${c.requests}: ${Object.entries(c.byClass).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  5xx = ${c.byClass['5xx']}, no answer = ${c.byClass['no answer']}, lost writes = ${c.lostWrites}, phantom writes = ${c.phantomWrites}` +
      ` (ledger: ${[...c.expected.values()].reduce((n, e) => n + e.count, 0)} acknowledged increments on ${c.expected.size} counters; ${c.boxes.size} instances created with odd keys)`,
    `  by request kind: ${[...c.byLabel].map(([label, statuses]) => `${label} {${[...statuses].map(([s, n]) => `${s}: ${n}`).join(', ')}}`).join('; ')}`,
  ];
  const groups = groupFindings(c.findings);
  lines.push(groups.length === 0 ? '  findings: none' : `  findings: ${c.findings.length} in ${groups.length} groups (smallest example of each):`);
  for (const g of groups) lines.push(`  × ${g.count} ${describeFinding(g.example, sender).replace(/\n/g, '\n    ')}`);
  return lines.join('\n');
}
