import fc from 'fast-check';

/**
 * Random requests for the HTTP fuzz test (fast-check arbitraries). The server under test
 * runs `apps/fuzz.py` with the settings below; requests carry facts (not final header
 * values) where a header depends on the server's port.
 */
export const TOKEN = 'fuzz-token';
export const ALLOWED_HOST = 'fuzz.example';
export const CORS_ORIGIN = 'http://app.example';
/** Counters that only receive well-formed increments: the ledger checks them. */
export const LEDGER_COUNTERS = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'];
/** Counters and boxes that receive anything. */
export const NOISE_COUNTERS = ['n0', 'n1'];
export const NOISE_BOXES = ['b0', 'b1'];

export type HostKind = 'bound' | 'localhost' | 'ipv6' | 'allowed' | 'foreign' | 'garbage' | 'absent';
export type OriginKind = 'none' | 'same' | 'allowed' | 'foreign' | 'null' | 'garbage';
export type AuthKind = 'good' | 'none' | 'wrong' | 'basic';

/** Headers of a request, as choices resolved when it is sent. */
export interface HeaderChoice {
  host: HostKind;
  origin: OriginKind;
  auth: AuthKind;
  /** `undefined`: no Content-Type header. */
  contentType: string | undefined;
  idempotencyKey: string | undefined;
}

/** What a 2xx answer to the request means for the ledger. */
export type Effect =
  | { kind: 'add'; counter: string; n: bigint; key: string | undefined }
  | { kind: 'create-box'; name: string }
  | { kind: 'echo'; value: unknown };

export interface FuzzRequest {
  /** What the request exercises, for the counts. */
  label: string;
  method: string;
  /** Raw request target, sent as is (no normalisation of `.` or `..`). */
  path: string;
  headers: HeaderChoice;
  body: string | Uint8Array | undefined;
  effect?: Effect;
}

/** The JSON Content-Types a server must accept. */
const GOOD_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset="UTF-8"'];
const BAD_TYPES = [
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/json; charset=latin1',
  'application/jsonp',
  'json',
  ';;;',
  '',
];

/** Headers that pass every check: most requests, so that most reach the runtime. */
const goodHeaders = (key: fc.Arbitrary<string | undefined>): fc.Arbitrary<HeaderChoice> =>
  fc.record({
    host: fc.constantFrom<HostKind>('bound', 'bound', 'bound', 'localhost', 'ipv6', 'allowed'),
    origin: fc.constantFrom<OriginKind>('none', 'none', 'none', 'same', 'allowed'),
    auth: fc.constant<AuthKind>('good'),
    contentType: fc.constantFrom(...GOOD_TYPES),
    idempotencyKey: key,
  });

/** Any headers, refused ones included. */
const anyHeaders = (key: fc.Arbitrary<string | undefined>): fc.Arbitrary<HeaderChoice> =>
  fc.record({
    host: fc.constantFrom<HostKind>('bound', 'localhost', 'ipv6', 'allowed', 'foreign', 'garbage', 'absent'),
    origin: fc.constantFrom<OriginKind>('none', 'same', 'allowed', 'foreign', 'null', 'garbage'),
    auth: fc.constantFrom<AuthKind>('good', 'none', 'wrong', 'basic'),
    contentType: fc.option(fc.constantFrom(...GOOD_TYPES, ...BAD_TYPES), { nil: undefined }),
    idempotencyKey: key,
  });

const headersOf = (key: fc.Arbitrary<string | undefined> = fc.constant(undefined)) =>
  fc.oneof({ arbitrary: goodHeaders(key), weight: 4 }, { arbitrary: anyHeaders(key), weight: 1 });

/** Idempotency keys, well-formed or not (too long, empty, odd characters). */
const randomIdempotencyKey = fc.option(
  fc.oneof(
    fc.string({ minLength: 1, maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
    fc.constantFrom('', ' ', 'x'.repeat(201), 'ü-key', 'key\twith-tab'),
  ),
  { nil: undefined },
);

// ---- values -------------------------------------------------------------------------

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => `a${String.fromCharCode(c)}b`);

/** Instance keys with the characters that trouble paths and stores. */
export const keyText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('.', '..', '...', './x', 'a.b', '%', '%2e', '%2e%2e', '%zz', 'a/b', 'a%2Fb', ' ', 'a b', 'ü', '日本', '😀', '\u0000', 'a?b', 'a#b'),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'health', 'metrics', '$key', '{"$int":"1"}', '1', '01', '1.0', 'true', 'null'),
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  loneSurrogate,
  fc.integer({ min: 990, max: 1010 }).map((n) => 'k'.repeat(n)),
  fc.integer({ min: 495, max: 505 }).map((n) => 'é'.repeat(n)),
  fc.integer({ min: 2000, max: 9000 }).map((n) => 'L'.repeat(n)),
);

const hashable: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }).map((n) => ({ $int: n.toString() })),
  fc.array(fc.integer(), { maxLength: 3 }).map((items) => ({ $tuple: items })),
);

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Tagged values as the encoding defines them. */
const wellFormedTagged = (inner: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).map((n) => ({ $int: n.toString() })),
    fc.constantFrom('nan', 'inf', '-inf', '2.0', '-0.0', '1e308', '5e-324', '0.1').map((f) => ({ $float: f })),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => ({ $float: String(d) })),
    fc.uint8Array({ maxLength: 64 }).map((b) => ({ $bytes: base64(b) })),
    fc.array(inner, { maxLength: 4 }).map((items) => ({ $tuple: items })),
    fc.array(hashable, { maxLength: 4 }).map((items) => ({ $set: items })),
    fc.array(fc.tuple(hashable, inner), { maxLength: 3 }).map((pairs) => ({ $dict: pairs })),
    fc.constantFrom(...NOISE_COUNTERS).map((key) => ({ $entity: 'Counter', $key: key })),
    fc.oneof(fc.constantFrom(...NOISE_BOXES), keyText).map((key) => ({ $entity: 'Box', $key: key })),
  );

/** Tagged values that break the encoding's rules, each in its own way. */
const illFormedTagged = (inner: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom<unknown>(5, '', 'abc', '1e5', '1.5', ' 1', '+1', '0x10', null, [], {}).map((v) => ({ $int: v })),
    fc.constantFrom<unknown>(1, 'NaN', 'Infinity', 'x', '', '1e400', null, []).map((v) => ({ $float: v })),
    fc.constantFrom<unknown>('!!!', 'a', 'abc', '====', 5, null, ['AA==']).map((v) => ({ $bytes: v })),
    fc.constantFrom<unknown>(5, 'x', null, {}).map((v) => ({ $tuple: v })),
    fc.constantFrom<unknown>(5, 'x', null, [[1]], [[1, 2], [3]], [{ $set: [1] }], [{ a: 1 }], [[]]).map((v) => ({ $set: v })),
    fc.constantFrom<unknown>(5, 'x', [[1]], [[1, 2, 3]], [[[1], 2]], [[{ a: 1 }, 2]], [[{ $set: [] }, 1]], [5]).map((v) => ({ $dict: v })),
    fc.constantFrom<unknown>(
      { $entity: 'Nope', $key: 'x' },
      { $entity: 'Counter' },
      { $key: 'x' },
      { $entity: 'Counter', $key: 5 },
      { $entity: 5, $key: 'x' },
      { $entity: 'Counter', $key: 'n0', extra: 1 },
      { $entity: 'Counter', $key: 'k'.repeat(1500) },
      { $entity: 'Counter', $key: '' },
      { $exception: ['ValueError', 'x'] },
      { $foo: 1 },
      { $: 1 },
      { $int: '1', $float: '1' },
      { $int: '1', other: 2 },
    ),
    inner.map((v) => ({ $tuple: [v], extra: true })),
  );

/** Plain JSON values (no `$` keys): the echo method must give them back unchanged. */
export const plainJson: fc.Arbitrary<unknown> = fc
  .jsonValue({ maxDepth: 4 })
  .filter((v) => !JSON.stringify(v).includes('"$') && !hasUnsafeNumber(v));

function hasUnsafeNumber(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (Array.isArray(value)) return value.some(hasUnsafeNumber);
  if (value && typeof value === 'object') return Object.values(value).some(hasUnsafeNumber);
  return false;
}

/** Any argument value: plain, tagged (well- and ill-formed), at any nesting. */
export const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 3 },
    { arbitrary: loneSurrogate, weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 1 },
    { arbitrary: wellFormedTagged(tie('value')), weight: 3 },
    { arbitrary: illFormedTagged(tie('value')), weight: 2 },
    { arbitrary: fc.array(tie('value'), { maxLength: 3 }), weight: 1 },
    { arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 3 }), weight: 1 },
  ),
})).value;

// ---- bodies -------------------------------------------------------------------------

const nest = (depth: number, open: string, close: string, core = '1') => open.repeat(depth) + core + close.repeat(depth);

/** Nesting far past any recursion limit, in every container the encoding has. */
const deepArg: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(50, 200, 1_000, 5_000, 30_000), fc.constantFrom('list', 'object', 'tuple', 'set', 'dict', 'mixed'))
  .map(([depth, kind]) => {
    switch (kind) {
      case 'list':
        return nest(depth, '[', ']');
      case 'object':
        return nest(depth, '{"a":', '}');
      case 'tuple':
        return nest(depth, '{"$tuple":[', ']}');
      case 'set':
        return nest(depth, '{"$set":[{"$tuple":[', ']}]}');
      case 'dict':
        return nest(depth, '{"$dict":[[1,', ']]}');
      default:
        return nest(depth, '[{"k":{"$tuple":[', ']}}]');
    }
  });

/** Numbers that JSON allows and no double holds. */
const hugeNumber = fc.constantFrom(
  '1e400',
  '-1e400',
  '1e-400',
  '123456789012345678901234567890',
  '-9007199254740993',
  '9007199254740992',
  '1.7976931348623157e309',
  '0.000000000000000000000000000000000000000000000000001',
  '-0',
  '1E+2',
  '4.9e-325',
  '1' + '0'.repeat(5000),
);

const callBody = (args: fc.Arbitrary<unknown[]>, kwargs: fc.Arbitrary<Record<string, unknown>>) =>
  fc.tuple(args, kwargs, fc.boolean()).map(([a, k, withKwargs]) => JSON.stringify(withKwargs ? { args: a, kwargs: k } : { args: a }));

/** Request bodies: well-formed calls with any values, and every way a body can be wrong. */
export const anyBody: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
  { arbitrary: callBody(fc.array(anyValue, { maxLength: 3 }), fc.dictionary(fc.constantFrom('n', 'value', 'other', 'name', 'self', '__proto__', '', '$int'), anyValue, { maxKeys: 2 })), weight: 8 },
  { arbitrary: deepArg.map((arg) => `{"args":[${arg}]}`), weight: 2 },
  { arbitrary: hugeNumber.map((n) => `{"args":[${n}]}`), weight: 2 },
  { arbitrary: hugeNumber.map((n) => `{"args":[${n}],"kwargs":{}}`), weight: 1 },
  { arbitrary: fc.constantFrom('', ' ', '\n', 'null', '[]', '1', '"x"', 'true', '{}', '{"args":null}', '{"args":{}}', '{"kwargs":[]}', '{"args":[1],}', '{"args":[1]', '{"args":[1]}}', '{"extra":1}', '{"args":[],"args":[1]}', '\ufeff{"args":[]}', '{"args":[NaN]}', '{"args":[Infinity]}', "{'args':[]}", '{"args":["\\ud800"]}', '{"args":["\\u0000"]}'), weight: 3 },
  { arbitrary: fc.string({ maxLength: 60 }), weight: 1 },
  { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 60 }), weight: 1 },
  { arbitrary: fc.constant(undefined), weight: 1 },
  { arbitrary: fc.integer({ min: 1_000_000, max: 1_200_000 }).map((n) => `{"args":["${'x'.repeat(n)}"]}`), weight: 1 },
);

// ---- paths --------------------------------------------------------------------------

/** A path segment: usually percent-encoded, sometimes raw where a request line allows it. */
const segmentOf = (text: string, raw: boolean): string => {
  if (raw && /^[\x21-\x7e]*$/.test(text) && !/[/?#]/.test(text)) return text;
  try {
    return encodeURIComponent(text);
  } catch {
    // A lone surrogate: encode its UTF-16 unit by hand (invalid UTF-8 once decoded).
    return [...text].map((ch) => (/^[A-Za-z0-9]$/.test(ch) ? ch : `%${(ch.charCodeAt(0) & 0xff).toString(16).padStart(2, '0')}`)).join('');
  }
};

const entityName = fc.oneof(
  { arbitrary: fc.constantFrom('Counter', 'Box'), weight: 6 },
  { arbitrary: fc.constantFrom('counter', 'Nope', '__proto__', 'constructor', 'health', 'metrics', '.', '..', '%'), weight: 1 },
  { arbitrary: fc.string({ minLength: 1, maxLength: 10 }), weight: 1 },
);
const methodName = fc.oneof(
  { arbitrary: fc.constantFrom('add', 'echo', 'put', 'get', 'add_to'), weight: 6 },
  { arbitrary: fc.constantFrom('__init__', '__key__', '_private', '__class__', 'toString', '__proto__', 'constructor', 'total', 'name', '.', '..'), weight: 2 },
  { arbitrary: fc.string({ minLength: 1, maxLength: 10 }), weight: 1 },
);
const noiseKey = fc.oneof({ arbitrary: fc.constantFrom(...NOISE_COUNTERS, ...NOISE_BOXES), weight: 3 }, { arbitrary: keyText, weight: 1 });

/** Raw paths that no route expects. */
const oddPath = fc.oneof(
  fc.constantFrom('/', '//', '///Counter', '/Counter/', '/Counter//n0', '/Counter/n0/', '/Counter/n0/add/extra', '/Counter/../health', '/Counter/./n0', '/%2e%2e/health', '/health/x', '/metrics?x=1', '/Counter?x', '/Counter/n0?args=1', '*', '/%', '/%zz', '/%00', '/Counter/%c0%ae%c0%ae', '/' + 'a'.repeat(9000)),
  fc.array(fc.tuple(fc.string({ maxLength: 8 }), fc.boolean()), { minLength: 1, maxLength: 5 }).map((segs) => '/' + segs.map(([s, raw]) => segmentOf(s, raw)).join('/')),
);

// ---- requests -----------------------------------------------------------------------

const smallInt = fc.integer({ min: -1000, max: 1000 }).map((n) => BigInt(n));
const bigInt = fc.bigInt({ min: -(2n ** 120n), max: 2n ** 120n });
const encodeInt = (n: bigint) => (n >= -(2n ** 53n) + 1n && n <= 2n ** 53n - 1n ? Number(n) : { $int: n.toString() });

/** A well-formed increment of a ledger counter (directly, or through another counter's split method). */
const ledgerWrite: fc.Arbitrary<FuzzRequest> = fc
  .record({
    counter: fc.constantFrom(...LEDGER_COUNTERS),
    via: fc.option(fc.constantFrom(...LEDGER_COUNTERS), { nil: undefined, freq: 3 }),
    n: fc.oneof({ arbitrary: smallInt, weight: 4 }, { arbitrary: bigInt, weight: 1 }),
    asKwarg: fc.boolean(),
    slot: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
    headersAny: fc.boolean(),
  })
  .chain(({ counter, via, n, asKwarg, slot, headersAny }) => {
    const body =
      via === undefined
        ? JSON.stringify(asKwarg ? { kwargs: { n: encodeInt(n) } } : { args: [encodeInt(n)] })
        : JSON.stringify({ args: [{ $entity: 'Counter', $key: counter }, encodeInt(n)] });
    const path = via === undefined ? `/Counter/${counter}/add` : `/Counter/${via}/add_to`;
    // The key follows from the body, so a repeated key is a true retry of the same call.
    const key = slot === undefined ? undefined : `w-${via ?? ''}-${counter}-${n}-${asKwarg}-${slot}`;
    const headers = headersAny ? anyHeaders(fc.constant(key)) : goodHeaders(fc.constant(key));
    return headers.map(
      (h): FuzzRequest => ({ label: via ? 'ledger add_to' : 'ledger add', method: 'POST', path, headers: h, body, effect: { kind: 'add', counter, n, key } }),
    );
  });

/** A key reused for another call: the server must refuse it (422), not run it. */
const reusedKey: fc.Arbitrary<FuzzRequest> = fc.record({ counter: fc.constantFrom(...LEDGER_COUNTERS), n: smallInt, slot: fc.integer({ min: 0, max: 3 }) }).map(
  ({ counter, n, slot }) => ({
    label: 'ledger add, reused key',
    method: 'POST',
    path: `/Counter/${counter}/add`,
    headers: { host: 'bound', origin: 'none', auth: 'good', contentType: 'application/json', idempotencyKey: `shared-${slot}` },
    body: JSON.stringify({ args: [Number(n)] }),
    effect: { kind: 'add', counter, n, key: `shared-${slot}` },
  }),
);

const createBox: fc.Arbitrary<FuzzRequest> = fc
  .record({ name: keyText, value: fc.option(anyValue, { nil: undefined }), headers: headersOf(randomIdempotencyKey) })
  .map(({ name, value, headers }) => ({
    label: 'create Box',
    method: 'POST',
    path: '/Box',
    headers,
    body: JSON.stringify({ args: value === undefined ? [name] : [name, value] }),
    effect: { kind: 'create-box', name },
  }));

const echo: fc.Arbitrary<FuzzRequest> = fc.record({ value: plainJson, key: fc.constantFrom(...NOISE_COUNTERS) }).map(({ value, key }) => ({
  label: 'echo plain JSON',
  method: 'POST',
  path: `/Counter/${key}/echo`,
  headers: { host: 'bound', origin: 'none', auth: 'good', contentType: 'application/json', idempotencyKey: undefined },
  body: JSON.stringify({ args: [value] }),
  effect: { kind: 'echo', value },
}));

const randomCall: fc.Arbitrary<FuzzRequest> = fc
  .record({ entity: entityName, key: noiseKey, method: methodName, raw: fc.boolean(), body: anyBody, headers: headersOf(randomIdempotencyKey) })
  .map(({ entity, key, method, raw, body, headers }) => ({
    label: 'call with any body',
    method: 'POST',
    path: `/${segmentOf(entity, raw)}/${segmentOf(key, raw)}/${segmentOf(method, raw)}`,
    headers,
    body,
  }));

const randomCreate: fc.Arbitrary<FuzzRequest> = fc.record({ entity: entityName, raw: fc.boolean(), body: anyBody, headers: headersOf(randomIdempotencyKey) }).map(
  ({ entity, raw, body, headers }) => ({ label: 'create with any body', method: 'POST', path: `/${segmentOf(entity, raw)}`, headers, body }),
);

const read: fc.Arbitrary<FuzzRequest> = fc
  .record({ entity: entityName, key: fc.oneof(noiseKey, fc.constantFrom(...LEDGER_COUNTERS)), raw: fc.boolean(), headers: headersOf() })
  .map(({ entity, key, raw, headers }) => ({ label: 'read state', method: 'GET', path: `/${segmentOf(entity, raw)}/${segmentOf(key, raw)}`, headers, body: undefined }));

const monitoring: fc.Arbitrary<FuzzRequest> = fc
  .record({ path: fc.constantFrom('/health', '/metrics', '/health/', '/health?x=1'), headers: anyHeaders(fc.constant(undefined)) })
  .map(({ path, headers }) => ({ label: 'health and metrics', method: 'GET', path, headers, body: undefined }));

const oddRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE'),
    path: oddPath,
    body: fc.option(anyBody, { nil: undefined }),
    headers: headersOf(randomIdempotencyKey),
    preflight: fc.boolean(),
  })
  .map(({ method, path, body, headers, preflight }) => ({
    label: method === 'OPTIONS' && preflight ? 'preflight' : 'odd method or path',
    method,
    path,
    headers,
    body: method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? undefined : body,
  }));

/** One random request; the weights keep a steady share of ledger writes. */
export const anyRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { arbitrary: ledgerWrite, weight: 6 },
  { arbitrary: reusedKey, weight: 1 },
  { arbitrary: createBox, weight: 3 },
  { arbitrary: echo, weight: 2 },
  { arbitrary: randomCall, weight: 8 },
  { arbitrary: randomCreate, weight: 2 },
  { arbitrary: read, weight: 3 },
  { arbitrary: monitoring, weight: 1 },
  { arbitrary: oddRequest, weight: 2 },
);
