import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityClass, Program, TypeRef } from '@stateflow/ir';
import { createPythonHost } from '@stateflow/python-host';
import { exportStateFile, importStateFile } from '../../src/arrow/index.js';
import { LocalRuntime, startHttpServer, type HttpServer } from '../../src/index.js';
import { RecordingHost } from '../support/recording-host.js';

const SOURCE = `
import datetime
import decimal
import enum
import uuid
from stateflow import stateflow


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@stateflow
class Box:
    def __init__(self, name: str):
        self.name = name
        self.data = bytearray(b"ab")
        self.color = Color.RED
        self.when = datetime.date(2024, 2, 29)
        self.extras = {}

    def __key__(self):
        return self.name

    def append(self, extra: bytearray) -> int:
        self.data += extra
        return len(self.data)

    def keep(self, name: str, value):
        self.extras[name] = value
        return value

    def describe(self, value) -> str:
        return "%s %r" % (type(value).__name__, value)

    def echo(self, value):
        return value
`;

const ANY: TypeRef = { kind: 'Any' };

function method(name: string, params: string[]) {
  return {
    kind: 'Method' as const,
    name,
    params: params.map((p) => ({ kind: 'Param' as const, name: p, type: ANY, mode: 'positional-or-keyword' as const, loc: 'synthetic' as const })),
    returns: ANY,
    writes: true,
    loc: 'synthetic' as const,
    body: { kind: 'SimpleBody' as const },
  };
}

const box: EntityClass = {
  kind: 'EntityClass',
  name: 'Box',
  loc: 'synthetic',
  key: { method: '__key__', type: { kind: 'Str' } },
  fields: ['name', 'data', 'color', 'when', 'extras'].map((name) => ({
    kind: 'Field' as const,
    name,
    type: name === 'name' ? ({ kind: 'Str' } as const) : ANY,
    loc: 'synthetic' as const,
  })),
  init: method('__init__', ['name']),
  methods: [method('append', ['extra']), method('keep', ['name', 'value']), method('describe', ['value']), method('echo', ['value'])],
};

const program: Program = {
  kind: 'Program',
  irVersion: '0.1.0',
  module: { kind: 'PythonModule', name: 'boxes', path: 'boxes.py', source: SOURCE },
  entities: [box],
};

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['pyodide', { kind: 'pyodide' }],
  ['subprocess', { kind: 'subprocess' }],
] as const)('request values on the %s host', (_, hostOptions) => {
  let host: RecordingHost;
  let runtime: LocalRuntime;
  let server: HttpServer;
  const dataDir = mkdtempSync(join(tmpdir(), 'sf-values-'));
  dirs.push(dataDir);

  beforeAll(async () => {
    host = new RecordingHost(await createPythonHost(hostOptions));
    runtime = await LocalRuntime.start(program, { host, closeHostOnStop: true, dataDir });
    server = await startHttpServer(runtime, { port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await runtime?.stop();
  });

  async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
    const typed = body !== undefined ? { 'content-type': 'application/json', ...headers } : headers;
    const res = await fetch(server.url + path, { method, headers: typed, ...(body !== undefined ? { body } : {}) });
    return { status: res.status, body: (await res.json()) as any };
  }

  it('keeps bytearray, enum and date state, and changes the bytearray', async () => {
    expect(await call('POST', '/Box', '{"args": ["b1"]}')).toEqual({ status: 201, body: { key: 'b1' } });
    expect((await call('GET', '/Box/b1')).body.state).toEqual({
      name: 'b1',
      data: { $bytearray: 'YWI=' },
      color: { $enum: ['Color', 'RED'] },
      when: { $date: '2024-02-29' },
      extras: {},
    });
    expect(await call('POST', '/Box/b1/append', '{"args": [{"$bytearray": "Yw=="}]}')).toEqual({ status: 200, body: { result: 3 } });
    expect(runtime.getState('Box', 'b1')?.['data']).toEqual({ $bytearray: 'YWJj' });
  });

  it('gives methods each standard type as its Python type', async () => {
    const cases: [string, string][] = [
      ['9007199254740993', 'int 9007199254740993'],
      ['-123456789012345678901234567890', 'int -123456789012345678901234567890'],
      ['1e20', 'float 1e+20'],
      ['{"$bytearray": "AP8="}', "bytearray bytearray(b'\\x00\\xff')"],
      ['{"$frozenset": [2, 1]}', 'frozenset frozenset({1, 2})'],
      ['{"$date": "2024-02-29"}', 'date datetime.date(2024, 2, 29)'],
      ['{"$time": "13:05Z"}', 'time datetime.time(13, 5, tzinfo=datetime.timezone.utc)'],
      ['{"$datetime": "2024-02-29T13:05:07+01:00"}', 'datetime datetime.datetime(2024, 2, 29, 13, 5, 7, tzinfo=datetime.timezone(datetime.timedelta(seconds=3600)))'],
      ['{"$timedelta": [1, 30, 0]}', 'timedelta datetime.timedelta(days=1, seconds=30)'],
      ['{"$decimal": "1.10"}', "Decimal Decimal('1.10')"],
      ['{"$uuid": "0f8fad5b-d9cb-469f-a165-70867728950e"}', "UUID UUID('0f8fad5b-d9cb-469f-a165-70867728950e')"],
      ['{"$enum": ["Color", "GREEN"]}', "Color <Color.GREEN: 'green'>"],
    ];
    for (const [arg, expected] of cases) {
      expect(await call('POST', '/Box/b1/describe', `{"args": [${arg}]}`), arg).toEqual({ status: 200, body: { result: expected } });
    }
  });

  it('stores every new type durably and exports it as JSON text, both exactly', async () => {
    const values: [string, unknown][] = [
      ['big', { $int: '9007199254740993' }],
      ['bytes', { $bytearray: 'AP8=' }],
      ['tags', { $frozenset: ['a', 'b'] }],
      ['at', { $datetime: '2024-02-29T13:05:07+00:00' }],
      ['wait', { $timedelta: [0, 5, 0] }],
      ['price', { $decimal: '1.10' }],
      ['id', { $uuid: '0f8fad5b-d9cb-469f-a165-70867728950e' }],
      ['color', { $enum: ['Color', 'GREEN'] }],
    ];
    for (const [name, value] of values) {
      const res = await call('POST', '/Box/b1/keep', JSON.stringify({ args: [name, value] }));
      expect(res.status, name).toBe(200);
    }
    const extras = runtime.getState('Box', 'b1')?.['extras'];
    expect(extras).toEqual(Object.fromEntries(values));
    // HTTP answers show frozensets as arrays and keep the other tags.
    expect((await call('GET', '/Box/b1')).body.state.extras.tags).toEqual(['a', 'b']);
    const file = join(dataDir, 'boxes.arrow');
    await exportStateFile(box, [['b1', runtime.getState('Box', 'b1')!]], file);
    const { rows } = await importStateFile(box, file);
    expect(rows).toEqual([['b1', runtime.getState('Box', 'b1')]]);
  });

  it('refuses malformed values with 400 BadArguments naming the place, before any batch', async () => {
    const batches = host.batches.length;
    const cases: [string, string][] = [
      [`{"args": [${'['.repeat(1000)}${']'.repeat(1000)}]}`, 'args[0][0][0]'],
      ['{"args": [{"$float": "0x10"}]}', 'args[0]: $float takes a decimal number as a string'],
      ['{"args": [[1, {"$bytes": "abc"}]]}', 'args[0][1]: $bytes is not valid base64'],
      [`{"args": [{"$int": "${'7'.repeat(5000)}"}]}`, 'args[0]: $int has 5000 digits; at most 4300 are accepted'],
      [`{"args": [${'7'.repeat(5000)}]}`, 'args[0]: $int has 5000 digits'],
      ['{"args": [{"$set": [[1, 2]]}]}', 'args[0][0]: a $set member must be hashable; got a list'],
      ['{"args": [{"$dict": [[{"$set": []}, 1]]}]}', 'args[0]<key 0>: a $dict key must be hashable; got a set'],
      ['{"args": [1e400]}', 'args[0]: numbers must be finite'],
      ['{"kwargs": {"value": {"$pickle": "x"}}}', "kwargs.value: '$pickle' is not a value tag"],
      ['{"args": [{"$entity": "Crate", "$key": "x"}]}', "args[0]: there is no entity class 'Crate'"],
      ['{"args": [{"$date": "2023-02-29"}]}', 'args[0]: $date takes an ISO 8601 date'],
    ];
    for (const [body, message] of cases) {
      const res = await call('POST', '/Box/b1/echo', body);
      expect(res.status, body.slice(0, 60)).toBe(400);
      expect(res.body.error.type).toBe('BadArguments');
      expect(res.body.error.message.startsWith(message), res.body.error.message).toBe(true);
    }
    expect(host.batches.length).toBe(batches);
  });

  it('lets good requests sent alongside bad ones run as usual', async () => {
    const bad = `{"args": [${'['.repeat(5000)}${']'.repeat(5000)}]}`;
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0 ? call('POST', '/Box/b1/describe', bad) : call('POST', '/Box/b1/describe', `{"args": [{"$decimal": "${i}.5"}]}`),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual([400, 200, 400, 200, 400, 200, 400, 200, 400, 200]);
    expect(replies[3]!.body).toEqual({ result: "Decimal Decimal('3.5')" });
  });

  it('answers a value the kernel refuses (an enum class it lacks) with 400 BadArguments', async () => {
    const res = await call('POST', '/Box/b1/echo', '{"args": [{"$enum": ["Colour", "RED"]}]}');
    expect(res).toEqual({
      status: 400,
      body: { error: { type: 'BadArguments', message: "args[0]: no Enum class 'Colour' in the program's module (known: Color)" } },
    });
  });

  it('does not record a refused call against its Idempotency-Key, so the corrected retry runs', async () => {
    const key = { 'idempotency-key': 'append-once' };
    // Refused by the kernel (the arguments do not bind), then by the gateway (bad base64).
    expect((await call('POST', '/Box/b1/append', '{"args": []}', key)).status).toBe(400);
    expect((await call('POST', '/Box/b1/append', '{"args": [{"$bytearray": "!"}]}', key)).status).toBe(400);
    const first = await call('POST', '/Box/b1/append', '{"args": [{"$bytearray": "ZA=="}]}', key);
    expect(first).toEqual({ status: 200, body: { result: 4 } });
    // Recorded now: the same call replays, another call with the key is refused.
    expect(await call('POST', '/Box/b1/append', '{"args": [{"$bytearray": "ZA=="}]}', key)).toEqual(first);
    expect((await call('POST', '/Box/b1/append', '{"args": [{"$bytearray": "ZQ=="}]}', key)).body.error.type).toBe('IdempotencyKeyReused');
    expect(runtime.getState('Box', 'b1')?.['data']).toEqual({ $bytearray: 'YWJjZA==' });
  });

  it.each(['.', '..', ''])('refuses to create an instance with the key %j, which no URL can address', async (key) => {
    const res = await call('POST', '/Box', JSON.stringify({ args: [key] }));
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      type: 'BadArguments',
      message: `Box instance: the key '${key}' cannot be used: instance keys must be addressable in a URL path, which rules out the empty key, '.' and '..'`,
    });
    expect(runtime.getState('Box', key)).toBeUndefined();
  });

  it.each(['a/b', '100%', '...', '%2E', 'a?b#c'])('creates and addresses the awkward key %j', async (key) => {
    expect(await call('POST', '/Box', JSON.stringify({ args: [key] }))).toEqual({ status: 201, body: { key } });
    const path = `/Box/${encodeURIComponent(key)}`;
    expect((await call('GET', path)).body.state.name).toBe(key);
    expect(await call('POST', `${path}/append`, '{"args": [{"$bytearray": "eg=="}]}')).toEqual({ status: 200, body: { result: 3 } });
  });

  it('keeps the state after a restart on the same data directory', async () => {
    const before = runtime.getState('Box', 'b1');
    await server.close();
    await runtime.stop();
    host = new RecordingHost(await createPythonHost(hostOptions));
    runtime = await LocalRuntime.start(program, { host, closeHostOnStop: true, dataDir });
    server = await startHttpServer(runtime, { port: 0 });
    expect(runtime.getState('Box', 'b1')).toEqual(before);
    expect((await call('POST', '/Box/b1/keep', '{"args": ["twice", {"$decimal": "2.5"}]}')).status).toBe(200);
    expect(runtime.getState('Box', 'b1')?.['extras']).toMatchObject({ price: { $decimal: '1.10' }, color: { $enum: ['Color', 'GREEN'] }, twice: { $decimal: '2.5' } });
  });
});

describe('request values with local routing (the subprocess host, unwrapped)', () => {
  let runtime: LocalRuntime;

  beforeAll(async () => {
    runtime = await LocalRuntime.start(program, { host: await createPythonHost({ kind: 'subprocess' }), closeHostOnStop: true });
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it('does not record a refused call against its request id, so the corrected retry runs', async () => {
    expect(await runtime.create('Box', ['r1'])).toEqual({ ok: { $entity: 'Box', $key: 'r1' } });
    const options = { requestId: 'routed-append' };
    expect(await runtime.invoke('Box', 'r1', 'append', [], {}, options)).toMatchObject({ error: { code: 'BadArguments' } });
    expect(await runtime.invoke('Box', 'r1', 'append', [{ $bytearray: 'eg==' }], {}, options)).toEqual({ ok: 3 });
    expect(await runtime.invoke('Box', 'r1', 'append', [{ $bytearray: 'eg==' }], {}, options)).toEqual({ ok: 3 });
    expect(runtime.getState('Box', 'r1')?.['data']).toEqual({ $bytearray: 'YWJ6' });
  });

  it('refuses malformed arguments given in process, before they are queued', async () => {
    expect(await runtime.invoke('Box', 'r1', 'echo', [{ $set: [[1]] }])).toEqual({
      error: {
        type: 'BadArguments',
        code: 'BadArguments',
        message: 'args[0][0]: a $set member must be hashable; got a list (use {"$tuple": [...]} for a sequence, {"$frozenset": [...]} for a set)',
      },
    });
    expect(await runtime.invoke('Box', 'r1', 'echo', [Number.NaN])).toMatchObject({ error: { code: 'BadArguments' } });
  });
});
