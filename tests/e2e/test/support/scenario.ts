import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_PLAIN } from './paths.js';

/** One step of an HTTP scenario (the step format of packages/conformance/reference/run_plain.py). */
export interface Step {
  title: string;
  op: 'create' | 'invoke' | 'get';
  entity: string;
  key?: string;
  method?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
}

/** What one step gave: the HTTP status and the JSON body. */
export interface Outcome {
  status: number;
  body: any;
}

/** Reads a scenario file. */
export function readScenario(path: string): Step[] {
  return JSON.parse(readFileSync(path, 'utf8')) as Step[];
}

/** Runs a step over HTTP, as a client of `stateflow serve` would. */
export async function runStepOverHttp(url: string, step: Step): Promise<Outcome> {
  const path = [step.entity, step.key, step.method]
    .filter((s): s is string => s !== undefined)
    .map(encodeURIComponent)
    .join('/');
  const init: RequestInit =
    step.op === 'get'
      ? { method: 'GET' }
      : {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ args: step.args ?? [], kwargs: step.kwargs ?? {} }),
        };
  const res = await fetch(`${url}/${path}`, init);
  return { status: res.status, body: await res.json() };
}

/** What the conformance kit's reference runner expects of one step. */
type Expectation = { key: string } | { result: unknown } | { state: unknown } | { error: { type: string; message: string } };

/** HTTP status of each StateFlow error (the contract of `stateflow serve`); a user exception is 422, `Internal` 500. */
const ERROR_STATUS: Record<string, number> = {
  EntityNotFound: 404,
  UnknownEntity: 404,
  EntityExists: 409,
  UnknownMethod: 400,
  BadArguments: 400,
  UnknownAttribute: 400,
  EncodingError: 422,
  Internal: 500,
};

/** A value in the kernel's encoding as the HTTP API shows it: tuples and sets as lists, floats as numbers. */
function asHttpJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asHttpJson);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [tag, inner] = entries.length === 1 ? entries[0]! : [];
  if ((tag === '$tuple' || tag === '$set' || tag === '$frozenset') && Array.isArray(inner)) return inner.map(asHttpJson);
  if (tag === '$float' && Number.isFinite(Number(inner))) return Number(inner);
  if (tag === '$dict' && Array.isArray(inner)) return { $dict: inner.map(asHttpJson) };
  if (tag === '$int' || tag === '$bytes' || tag === '$float' || '$entity' in value) return value;
  return Object.fromEntries(entries.map(([k, v]) => [k, asHttpJson(v)]));
}

/** One expectation of the reference runner as the HTTP outcome of its step. */
function asOutcome(expect: Expectation): Outcome {
  if ('key' in expect) return { status: 201, body: expect };
  if ('result' in expect) return { status: 200, body: { result: asHttpJson(expect.result) } };
  if ('state' in expect) return { status: 200, body: { state: asHttpJson(expect.state) } };
  return { status: ERROR_STATUS[expect.error.type] ?? 422, body: expect };
}

/**
 * Runs the whole scenario on plain sequential Python with the conformance kit's
 * reference runner (same step format), and turns its expectations into HTTP outcomes.
 */
export function runScenarioOnPlainPython(app: string, scenarioPath: string): Outcome[] {
  const dir = mkdtempSync(join(tmpdir(), 'stateflow-e2e-'));
  try {
    copyFileSync(app, join(dir, 'app.py'));
    copyFileSync(scenarioPath, join(dir, 'scenario.json'));
    const run = spawnSync('python3', [RUN_PLAIN, dir], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`run_plain.py failed (${run.status}):\n${run.stderr}`);
    const out = JSON.parse(run.stdout) as { scenarios: Record<string, Expectation[]> };
    return out.scenarios[dir]!.map(asOutcome);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Error types StateFlow itself produces; their messages are StateFlow's, not Python's. */
const SYSTEM_ERRORS = new Set([
  'EntityNotFound',
  'EntityExists',
  'UnknownEntity',
  'UnknownMethod',
  'UnknownAttribute',
  'BadArguments',
  'EncodingError',
  'Internal',
  'BadRequest',
]);

/**
 * The comparable form of an outcome: everything, except that the message of a
 * StateFlow system error (which plain Python cannot produce word for word) is
 * replaced by a marker. User exceptions keep their exact type and message.
 */
export function comparable(outcome: Outcome): Outcome {
  const error = outcome.body?.error;
  if (error && SYSTEM_ERRORS.has(error.type) && typeof error.message === 'string' && error.message.length > 0) {
    return { status: outcome.status, body: { error: { type: error.type, message: '<system message>' } } };
  }
  return outcome;
}
