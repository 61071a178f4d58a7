/**
 * What the Flink bench scripts (run.mjs, breakdown.mjs, echo.mjs) share: their command-line
 * flags, a stack of cleanups run on exit or on a signal, and a fresh Kafka broker.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const ENGINES = join(ROOT, 'tools/engines');

/** The value after `--name` on the command line, or `fallback`. */
export function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** A setting's text as JSON would hold it: `true`/`false`, whole numbers, else the text. */
export const scalar = (raw) => (raw === 'true' ? true : raw === 'false' ? false : /^\d+$/.test(raw) ? Number(raw) : raw);

/** `key=value` pairs of a `sep`-separated list (`a=1,b=x` → [['a', 1], ['b', 'x']]). */
export function settings(text, sep = ',') {
  return (text || '')
    .split(sep)
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), scalar(kv.slice(kv.indexOf('=') + 1))]);
}

/**
 * A stack of cleanups (push a function returning a promise), run newest first by `cleanup()`,
 * and on SIGINT/SIGTERM before exiting, so a bench stopped by hand leaves no broker or job.
 */
export function cleanupStack(progress) {
  const cleanups = [];
  const cleanup = async () => {
    while (cleanups.length) await cleanups.pop()().catch((e) => progress(`cleanup: ${e.message}`));
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().finally(() => process.exit(143)));
  return { cleanups, cleanup };
}

/**
 * A fresh Kafka broker on `port` (fetched first if the cache lacks it) in a temporary folder,
 * stopped and removed by a cleanup pushed on `cleanups`. Returns its bootstrap address and pid.
 */
export async function startKafka({ port, name, cleanups }) {
  await run(join(ENGINES, 'kafka/fetch.sh'), [], { timeout: 900_000 });
  const kdir = mkdtempSync(join(tmpdir(), `sf-flink-${name}-kafka-`));
  cleanups.push(() => run(join(ENGINES, 'kafka/stop.sh'), ['--dir', kdir, '--clean']));
  const bootstrap = (await run(join(ENGINES, 'kafka/start.sh'), ['--port', String(port), '--dir', kdir, '--fresh'])).stdout.trim().split('\n').pop();
  return { bootstrap, pid: Number(readFileSync(join(kdir, 'kafka.pid'), 'utf8').trim()) };
}
