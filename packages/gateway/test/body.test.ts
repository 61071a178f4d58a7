import { createRequire } from 'node:module';
import { encodeCallArguments } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { parseCallBody } from '../src/http/body.js';
import { HttpError } from '../src/http/http-error.js';

interface Call {
  args?: unknown;
  kwargs?: unknown;
}

interface CallVectors {
  calls: { invalid: { name: string; call: Call; message: string }[]; valid: { name: string; call: Call }[] };
}

const vectors = createRequire(import.meta.url)('@stateflow/ir/test-vectors/request-values.json') as CallVectors;

/** What the HTTP API answers for a body: the parser's refusal, else the runtime's check of the values. */
function answer(text: string): { type: string; message: string } | 'ok' {
  try {
    const body = parseCallBody(text);
    const encoded = encodeCallArguments(body.args, body.kwargs);
    return 'problem' in encoded ? { type: 'BadArguments', message: encoded.problem } : 'ok';
  } catch (err) {
    if (err instanceof HttpError) return { type: err.type, message: err.message };
    throw err;
  }
}

describe('parseCallBody (the shared call vectors: same rule and message as every backend)', () => {
  it.each(vectors.calls.invalid.map((v) => [v.name, v] as const))('refuses %s as BadArguments', (_name, { call, message }) => {
    expect(answer(JSON.stringify(call))).toEqual({ type: 'BadArguments', message });
  });

  it.each(vectors.calls.invalid.filter((v) => !/^(args\[|kwargs\.)/.test(v.message)).map((v) => [v.name, v] as const))(
    'refuses the shape of %s itself, with status 400',
    (_name, { call, message }) => {
      expect(() => parseCallBody(JSON.stringify(call))).toThrow(expect.objectContaining({ status: 400, type: 'BadArguments', message }));
    },
  );

  it.each(vectors.calls.valid.map((v) => [v.name, v] as const))('accepts %s', (_name, { call }) => {
    expect(answer(JSON.stringify(call))).toBe('ok');
  });
});

describe('parseCallBody: what is not a call at all is BadRequest', () => {
  it.each([
    ['not JSON', '{"args": [1', /^request body is not valid JSON/],
    ['an array', '[1]', /^request body must be a JSON object/],
    ['a string', '"x"', /^request body must be a JSON object/],
    ['null', 'null', /^request body must be a JSON object/],
    ['an unknown field', '{"arg": [1]}', /^unknown field 'arg' in request body/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseCallBody(text)).toThrow(expect.objectContaining({ status: 400, type: 'BadRequest', message: expect.stringMatching(message) }));
  });

  it('reads an empty body as a call without arguments', () => {
    expect(parseCallBody('')).toEqual({ args: [], kwargs: {} });
    expect(parseCallBody(' \n')).toEqual({ args: [], kwargs: {} });
  });
});
