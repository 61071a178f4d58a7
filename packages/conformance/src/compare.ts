import type { EncodedValue } from '@stateflow/ir';
import type { Expect, Step } from './types.js';

/** A canonical JSON text: object keys sorted, `$set` and `$frozenset` elements sorted. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value));
}

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value === null || typeof value !== 'object') return value;
  const obj = value as { [key: string]: unknown };
  const keys = Object.keys(obj);
  const tag = keys.length === 1 ? keys[0]! : '';
  if ((tag === '$set' || tag === '$frozenset') && Array.isArray(obj[tag])) {
    const items = (obj[tag] as unknown[]).map(normalise);
    items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
    return { [tag]: items };
  }
  // fromEntries keeps a `__proto__` key as a key (assignment would set the prototype).
  return Object.fromEntries(keys.sort().map((k) => [k, normalise(obj[k])]));
}

/** The part of an outcome that is compared: errors by `type` (and `message` if asked). */
export function comparable(outcome: Expect | { thrown: string }, compareMessage: boolean): unknown {
  if ('error' in outcome) {
    return { error: compareMessage ? { type: outcome.error.type, message: outcome.error.message } : { type: outcome.error.type } };
  }
  return outcome;
}

/** Compares an actual outcome with the expected one; `undefined` when they match, else a one-line diff. */
export function diffOutcome(step: Step, actual: Expect | { thrown: string }): string | undefined {
  const withMessage = step.compareMessage === true;
  const want = canonicalJson(comparable(step.expect, withMessage));
  const got = canonicalJson(comparable(actual, withMessage));
  if (want === got) return undefined;
  return `expected ${clip(want)}, got ${clip(canonicalJson(actual))}`;
}

function clip(text: string, max = 240): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Describes a step in one line: `invoke User('u').buy(...)`. */
export function describeStep(step: Step): string {
  const args = (a: EncodedValue[], k: { [name: string]: EncodedValue }) =>
    clip([...a.map((v) => JSON.stringify(v)), ...Object.entries(k).map(([n, v]) => `${n}=${JSON.stringify(v)}`)].join(', '), 80);
  switch (step.op) {
    case 'create':
      return `create ${step.entity}(${args(step.args, step.kwargs)})`;
    case 'invoke':
      return `invoke ${step.entity}(${JSON.stringify(step.key)}).${step.method}(${args(step.args, step.kwargs)})`;
    case 'get':
      return `get ${step.entity}(${JSON.stringify(step.key)})`;
  }
}
