import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { RUN_PLAIN } from './paths.js';

/** One step of an HTTP scenario (see reference/run_plain.py). */
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

/** Runs the whole scenario on plain sequential Python (reference/run_plain.py). */
export function runScenarioOnPlainPython(app: string, scenarioPath: string): Outcome[] {
  const run = spawnSync('python3', [RUN_PLAIN, app, scenarioPath], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`run_plain.py failed (${run.status}):\n${run.stderr}`);
  return JSON.parse(run.stdout) as Outcome[];
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
