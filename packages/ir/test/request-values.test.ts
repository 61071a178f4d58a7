import { describe, expect, it } from 'vitest';
import { MAX_NUMBER_DIGITS, MAX_VALUE_DEPTH, callShapeProblem, encodeCallArguments, encodeRequestValue, parseJsonExact } from '../src/index.js';
import { loadFixture } from './support/fixtures.js';

interface Vectors {
  entities: string[];
  invalid: { name: string; json: string; message: string }[];
  valid: { name: string; json: string }[];
  calls: {
    invalid: { name: string; call: { args?: unknown; kwargs?: unknown }; message: string }[];
    valid: { name: string; call: { args?: unknown; kwargs?: unknown } }[];
  };
}

const vectors = loadFixture<Vectors>('request-values.json');
const entities = new Set(vectors.entities);

describe('encodeRequestValue (shared vectors, also run by the kernel)', () => {
  it.each(vectors.invalid.map((v) => [v.name, v] as const))('refuses %s', (_name, vector) => {
    expect(encodeRequestValue(parseJsonExact(vector.json), 'args[0]', { entities })).toEqual({ problem: vector.message });
  });

  it.each(vectors.valid.map((v) => [v.name, v] as const))('accepts %s', (_name, vector) => {
    expect(encodeRequestValue(parseJsonExact(vector.json), 'args[0]', { entities })).toHaveProperty('ok');
  });

  it('names the problem and its place in the request', () => {
    const args = parseJsonExact('[1, 2, [0, 1, 2, {"$bytes": "abc"}]]');
    expect(encodeCallArguments(args, {})).toEqual({ problem: "args[2][3]: $bytes is not valid base64 (standard alphabet, padded with '=')" });
    expect(encodeCallArguments([], { when: { $date: '2024-13-01' } })).toEqual({
      problem: 'kwargs.when: $date takes an ISO 8601 date "YYYY-MM-DD"',
    });
    expect(encodeCallArguments('x', {})).toEqual({ problem: 'positional arguments (args) must be an array' });
    expect(encodeCallArguments([], [])).toEqual({ problem: 'keyword arguments (kwargs) must be an object of names and values' });
  });

  it('documents its limits', () => {
    expect(MAX_VALUE_DEPTH).toBe(64);
    expect(MAX_NUMBER_DIGITS).toBe(4300);
    expect(encodeRequestValue({ $int: '9'.repeat(MAX_NUMBER_DIGITS) }, 'v')).toHaveProperty('ok');
  });

  it('refuses an entity reference to an unknown class only when it knows the classes', () => {
    expect(encodeRequestValue({ $entity: 'Nope', $key: 'x' }, 'v')).toHaveProperty('ok');
    expect(encodeRequestValue({ $entity: 'Nope', $key: 'x' }, 'v', { entities })).toEqual({ problem: "v: there is no entity class 'Nope'" });
  });

  it('refuses what is not JSON (in-process callers)', () => {
    expect(encodeRequestValue([undefined], 'v')).toEqual({ problem: 'v[0]: a undefined is not a JSON value' });
    expect(encodeRequestValue(NaN, 'v')).toMatchObject({ problem: expect.stringMatching(/^v: numbers must be finite/) });
  });
});

describe('encodeCallArguments (shared call vectors, also run by the kernel and the Flink routing)', () => {
  it.each(vectors.calls.invalid.map((v) => [v.name, v] as const))('refuses %s', (_name, { call, message }) => {
    expect(encodeCallArguments(call.args, call.kwargs, { entities })).toEqual({ problem: message });
  });

  it.each(vectors.calls.valid.map((v) => [v.name, v] as const))('accepts %s', (_name, { call }) => {
    expect(encodeCallArguments(call.args, call.kwargs, { entities })).toHaveProperty('ok');
  });

  it.each(vectors.calls.invalid.map((v) => [v.name, v] as const))('callShapeProblem: %s', (_name, { call, message }) => {
    // The shape check finds exactly the problems that are not about a value (those have a place).
    const aboutAValue = /^(args\[|kwargs\.)/.test(message);
    expect(callShapeProblem(call.args, call.kwargs)).toBe(aboutAValue ? undefined : message);
  });

  it.each(vectors.calls.valid.map((v) => [v.name, v] as const))('callShapeProblem accepts %s', (_name, { call }) => {
    expect(callShapeProblem(call.args, call.kwargs)).toBeUndefined();
  });
});

describe('numbers', () => {
  it('keeps integers beyond 2^53 exact, as $int', () => {
    const body = parseJsonExact('{"args": [9007199254740993, -123456789012345678901234567890, 9007199254740991, "12345678901234567890"]}');
    expect(body).toEqual({ args: [{ $int: '9007199254740993' }, { $int: '-123456789012345678901234567890' }, 9007199254740991, '12345678901234567890'] });
    expect(encodeCallArguments((body as { args: unknown[] }).args, {})).toHaveProperty('ok.args.0', { $int: '9007199254740993' });
  });

  it('keeps 2^53 itself exact (Python encodes it as $int too)', () => {
    expect(parseJsonExact('[9007199254740992]')).toEqual([{ $int: '9007199254740992' }]);
  });

  it('sends an integral float literal beyond 2^53 as a float, not an int', () => {
    expect(encodeRequestValue(parseJsonExact('[1e20, 1.5e300, 12345678901234567890.0]'), 'v')).toEqual({
      ok: [{ $float: '100000000000000000000' }, 1.5e300, { $float: '12345678901234567000' }],
    });
  });

  it('refuses numbers that overflow a float, saying how to send infinity', () => {
    expect(encodeRequestValue(parseJsonExact('{"a": [1e400]}'), 'args[0]')).toEqual({
      problem:
        'args[0].a[0]: numbers must be finite (a JSON number this large overflows a float); send {"$float": "inf"}, {"$float": "-inf"} or {"$float": "nan"} for a non-finite float',
    });
  });

  it('refuses an integer literal of more than 4,300 digits', () => {
    expect(encodeRequestValue(parseJsonExact(`[${'7'.repeat(5000)}]`), 'args')).toEqual({
      problem: 'args[0]: $int has 5000 digits; at most 4300 are accepted',
    });
  });

  it('rewrites nothing inside strings and keeps escapes', () => {
    const text = '{"a": "x\\" 12345678901234567890 \\\\", "b": 12345678901234567890}';
    expect(parseJsonExact(text)).toEqual({ a: 'x" 12345678901234567890 \\', b: { $int: '12345678901234567890' } });
  });

  it('throws SyntaxError for text that is not JSON', () => {
    expect(() => parseJsonExact('{"a": 12345678901234567890')).toThrow(SyntaxError);
  });
});

describe('copy on write', () => {
  it('returns the same objects when nothing changes', () => {
    const args = [{ a: [1, { $tuple: [2] }] }, 'x'];
    const kwargs = { k: { $set: [1] } };
    const result = encodeCallArguments(args, kwargs);
    expect(result).toHaveProperty('ok');
    if ('ok' in result) {
      expect(result.ok.args).toBe(args);
      expect(result.ok.kwargs).toBe(kwargs);
    }
  });

  it('keeps a key named __proto__ as a key when it copies', () => {
    const result = encodeRequestValue(parseJsonExact('{"__proto__": 1e20, "x": 1}'), 'v');
    if (!('ok' in result)) throw new Error(result.problem);
    expect(Object.keys(result.ok as object)).toEqual(['__proto__', 'x']);
    expect(JSON.stringify(result.ok)).toBe('{"__proto__":{"$float":"100000000000000000000"},"x":1}');
  });

  it('copies only the path to a changed value', () => {
    const inner = [1];
    const args = [{ big: 1e20, keep: inner }];
    const result = encodeCallArguments(args, {});
    if (!('ok' in result)) throw new Error(result.problem);
    expect(result.ok.args).not.toBe(args);
    expect(args[0]!.big).toBe(1e20);
    expect((result.ok.args[0] as { keep: unknown }).keep).toBe(inner);
  });
});
