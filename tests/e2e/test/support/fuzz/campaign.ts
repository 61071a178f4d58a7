import { isDeepStrictEqual } from 'node:util';
import { CORS_ORIGIN, LEDGER_COUNTERS, type FuzzRequest } from './requests.js';
import type { FuzzSender, Outcome } from './send.js';

/** The largest body the fuzz server accepts (its `--max-body-bytes`, the default). */
const MAX_BODY_BYTES = 1024 * 1024;
const GOOD_HOSTS = new Set(['bound', 'localhost', 'ipv6', 'allowed']);
const MONITORING = /^\/(health|metrics)\/?(\?.*)?$/;

/** A broken rule: the request, what came back, and which rule it broke. */
export interface Finding {
  rule: string;
  request: FuzzRequest;
  outcome: Outcome;
  detail?: string;
}

interface Expected {
  total: bigint;
  count: number;
}

/**
 * Everything one fuzz campaign against one server learned: counts by status, the
 * findings (rules broken), and the ledger of acknowledged writes checked at the end.
 */
export class Campaign {
  requests = 0;
  readonly byClass: Record<string, number> = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, 'no answer': 0 };
  readonly byLabel = new Map<string, Map<string, number>>();
  readonly findings: Finding[] = [];
  /** Increments each ledger counter must show: acknowledged calls, each idempotency key once. */
  readonly expected = new Map<string, Expected>(LEDGER_COUNTERS.map((c) => [c, { total: 0n, count: 0 }]));
  /** Writes whose outcome is unknown (5xx or no answer): they may or may not have happened. */
  readonly unknown = new Map<string, number>();
  private readonly ackedKeys = new Set<string>();
  /** Box names acknowledged as created by well-formed creates (read back at the end). */
  readonly boxes = new Set<string>();
  /** Keys of every Box any request created (random bodies create some too). */
  private readonly boxKeys = new Set<string>();
  private readonly existsAnswers: { name: string; request: FuzzRequest; outcome: Outcome }[] = [];
  lostWrites = 0;
  phantomWrites = 0;

  /** Checks one answer against the rules and feeds the ledger; returns the new findings. */
  record(req: FuzzRequest, outcome: Outcome): Finding[] {
    const found: Finding[] = [];
    const flag = (rule: string, detail?: string) => found.push({ rule, request: req, outcome, ...(detail ? { detail } : {}) });
    const bodyBytes = req.body === undefined ? 0 : typeof req.body === 'string' ? Buffer.byteLength(req.body) : req.body.length;
    if (outcome.kind === 'transport') {
      if (outcome.error.startsWith('client refused')) return found;
      this.count(req, 'no answer');
      // A body past the limit may be cut off by the server's 413 + close while still being sent.
      if (!(bodyBytes > MAX_BODY_BYTES && /EPIPE|ECONNRESET/.test(outcome.error))) flag('no answer', outcome.error);
      this.markUnknown(req);
      this.findings.push(...found);
      return found;
    }
    const { status, json } = outcome;
    this.count(req, String(status));
    const ok = status >= 200 && status < 300;
    if (status >= 500) {
      flag('5xx');
      this.markUnknown(req);
    }
    if (status >= 400 && req.method !== 'HEAD' && !(json && typeof json.error?.type === 'string' && typeof json.error?.message === 'string')) {
      flag('error answer without {"error": {"type", "message"}}');
    }
    // A page of a listed origin must be able to read every answer the API gives it, errors included.
    if (req.headers.origin === 'allowed' && GOOD_HOSTS.has(req.headers.host) && req.path.startsWith('/') && outcome.headers['access-control-allow-origin'] !== CORS_ORIGIN) {
      flag('answer to a listed origin without Access-Control-Allow-Origin');
    }
    const refusal = this.mustRefuse(req, bodyBytes);
    if (ok && refusal) flag('accepted a request it must refuse', refusal);
    if (req.effect?.kind === 'add') this.recordAdd(req, outcome, refusal, flag);
    if (status === 201 && req.method === 'POST' && /^\/Box\/?$/.test(normalizedPath(req.path)) && typeof json?.key === 'string') this.boxKeys.add(json.key);
    if (req.effect?.kind === 'create-box') {
      const name = req.effect.name;
      if (status === 201) {
        this.boxes.add(name);
        if (json?.key !== name) flag('create answered another key', `sent ${JSON.stringify(name).slice(0, 80)}, got ${JSON.stringify(json?.key).slice(0, 80)}`);
      }
      if (status === 409) this.existsAnswers.push({ name, request: req, outcome });
    }
    if (req.effect?.kind === 'echo') {
      if (status !== 200) flag('echo of plain JSON failed');
      else if (!isDeepStrictEqual(json?.result, JSON.parse(JSON.stringify(req.effect.value)))) flag('echo changed the value', JSON.stringify(json?.result).slice(0, 120));
    }
    this.findings.push(...found);
    return found;
  }

  /** Why the server must refuse this request, if it must. */
  private mustRefuse(req: FuzzRequest, bodyBytes: number): string | undefined {
    const h = req.headers;
    // The server resolves dot segments (`/../health` is `/health`), as URLs do.
    const monitoring = MONITORING.test(normalizedPath(req.path));
    if ((h.host === 'foreign' || h.host === 'garbage' || h.host === 'absent') && !monitoring) return `Host is ${h.host}`;
    if (h.origin === 'foreign' || h.origin === 'null' || h.origin === 'garbage') return `Origin is ${h.origin}`;
    // A CORS preflight never carries credentials: it is answered without them.
    const preflight = req.method === 'OPTIONS' && req.label === 'preflight' && h.origin === 'allowed';
    if (h.auth !== 'good' && !preflight && !/^\/health\/?(\?.*)?$/.test(normalizedPath(req.path))) return `Authorization is ${h.auth}`;
    if (req.method === 'POST' && bodyBytes > 0 && !(h.contentType !== undefined && /^application\/json\s*(;\s*charset="?utf-8"?)?$/i.test(h.contentType))) {
      return `Content-Type is ${h.contentType ?? 'absent'}`;
    }
    return undefined;
  }

  private recordAdd(req: FuzzRequest, outcome: Outcome & { kind: 'response' }, refusal: string | undefined, flag: (rule: string, detail?: string) => void): void {
    const effect = req.effect as { kind: 'add'; counter: string; n: bigint; key: string | undefined };
    const h = req.headers;
    const wellSent = !refusal && GOOD_HOSTS.has(h.host) && (h.origin === 'none' || h.origin === 'allowed' || (h.origin === 'same' && h.host !== 'absent'));
    const reusedKey = effect.key?.startsWith('shared-') ?? false;
    if (outcome.status === 200) {
      if (effect.key !== undefined && this.ackedKeys.has(`${req.path} ${effect.key}`)) return; // a replay: applied once
      if (effect.key !== undefined) this.ackedKeys.add(`${req.path} ${effect.key}`);
      const e = this.expected.get(effect.counter)!;
      e.total += effect.n;
      e.count += 1;
      const result = outcome.json?.result;
      const got = typeof result === 'number' ? BigInt(result) : typeof result?.$int === 'string' ? BigInt(result.$int) : undefined;
      if (got !== effect.n) flag('add answered another number', `sent ${effect.n}, got ${JSON.stringify(result)}`);
    } else if (wellSent && !(reusedKey && outcome.status === 422) && outcome.status < 500) {
      flag('refused a well-formed write');
    }
  }

  private markUnknown(req: FuzzRequest): void {
    if (req.effect?.kind === 'add') this.unknown.set(req.effect.counter, (this.unknown.get(req.effect.counter) ?? 0) + 1);
  }

  private count(req: FuzzRequest, status: string): void {
    this.requests += 1;
    const cls = status === 'no answer' ? status : `${status[0]}xx`;
    this.byClass[cls] = (this.byClass[cls] ?? 0) + 1;
    const byStatus = this.byLabel.get(req.label) ?? new Map<string, number>();
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    this.byLabel.set(req.label, byStatus);
  }

  /** Reads the final state and compares it with the ledger; adds findings for lost or phantom writes. */
  async checkFinalState(sender: FuzzSender): Promise<void> {
    const good = { host: 'bound', origin: 'none', auth: 'good', contentType: undefined, idempotencyKey: undefined } as const;
    for (const counter of LEDGER_COUNTERS) {
      const req: FuzzRequest = { label: 'final read', method: 'GET', path: `/Counter/${counter}`, headers: good, body: undefined };
      const outcome = await sender.send(req);
      if (outcome.kind !== 'response' || outcome.status !== 200) {
        this.findings.push({ rule: 'final read of a ledger counter failed', request: req, outcome });
        // A server that stopped answering would make every read wait for its timeout.
        if (outcome.kind === 'transport') return;
        continue;
      }
      const state = outcome.json.state as { total: number | { $int: string }; count: number };
      const total = typeof state.total === 'number' ? BigInt(state.total) : BigInt(state.total.$int);
      const expected = this.expected.get(counter)!;
      const unknown = this.unknown.get(counter) ?? 0;
      const lost = Math.max(0, expected.count - state.count);
      const phantom = Math.max(0, state.count - expected.count - unknown);
      this.lostWrites += lost;
      this.phantomWrites += phantom;
      if (lost > 0 || phantom > 0 || (unknown === 0 && total !== expected.total)) {
        this.findings.push({
          rule: 'ledger mismatch',
          request: req,
          outcome,
          detail: `${counter}: acknowledged ${expected.count} increments summing to ${expected.total} (+${unknown} unknown), state has ${state.count} summing to ${total}`,
        });
      }
    }
    for (const name of this.boxes) {
      // No URL can name a key with a lone surrogate (it has no UTF-8 form); the collision check below still covers it.
      if (hasLoneSurrogate(name)) continue;
      const path = `/Box/${encodeKey(name)}`;
      const req: FuzzRequest = { label: 'final read', method: 'GET', path, headers: good, body: undefined };
      const outcome = await sender.send(req);
      if (outcome.kind === 'transport') {
        this.findings.push({ rule: 'final read of a created instance failed', request: req, outcome });
        return;
      }
      if (outcome.status !== 200 || !isDeepStrictEqual(outcome.json?.state?.name, JSON.parse(JSON.stringify(name)))) {
        this.findings.push({ rule: 'a created instance does not read back by its key', request: req, outcome, detail: `key ${JSON.stringify(name).slice(0, 80)}` });
      }
    }
    for (const { name, request, outcome } of this.existsAnswers) {
      if (!this.boxKeys.has(name)) this.findings.push({ rule: 'EntityExists for a key never created (key collision)', request, outcome });
    }
  }
}

function normalizedPath(path: string): string {
  try {
    const url = new URL(`http://x${path}`);
    return url.pathname + url.search;
  } catch {
    return path;
  }
}

function hasLoneSurrogate(text: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

/** Percent-encodes a key for a path (lone surrogates as their code unit's low byte, which is what a client could send). */
export function encodeKey(key: string): string {
  try {
    return encodeURIComponent(key);
  } catch {
    return [...key].map((ch) => (/^[A-Za-z0-9]$/.test(ch) ? ch : `%${(ch.charCodeAt(0) & 0xff).toString(16).padStart(2, '0')}`)).join('');
  }
}

/** One finding as a line a person can replay (body cut to 300 characters). */
export function describeFinding(f: Finding, sender: FuzzSender): string {
  const headers = sender.headersOf(f.request);
  const body = f.request.body === undefined ? '' : typeof f.request.body === 'string' ? f.request.body : `<${f.request.body.length} bytes: ${Buffer.from(f.request.body).toString('hex').slice(0, 60)}>`;
  const shownBody = body.length > 300 ? `${body.slice(0, 150)}…(${body.length} chars)…${body.slice(-100)}` : body;
  const answer =
    f.outcome.kind === 'response' ? `${f.outcome.status} ${f.outcome.text.trim().slice(0, 240)}` : `no answer: ${f.outcome.error}`;
  const path = f.request.path.length > 200 ? `${f.request.path.slice(0, 200)}…(${f.request.path.length} chars)` : f.request.path;
  return [
    `[${f.rule}]${f.detail ? ` ${f.detail}` : ''}`,
    `  ${f.request.method} ${path}  ${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join(' | ')}`,
    ...(shownBody ? [`  body: ${shownBody}`] : []),
    `  -> ${answer}`,
  ].join('\n');
}

/** Findings grouped by rule, status and error type, each group shown by its smallest request. */
export function groupFindings(findings: Finding[]): { count: number; example: Finding }[] {
  const groups = new Map<string, { count: number; example: Finding }>();
  const size = (f: Finding) => f.request.path.length + (f.request.body === undefined ? 0 : f.request.body.length);
  for (const f of findings) {
    const o = f.outcome;
    const message = o.kind === 'response' ? String(o.json?.error?.message ?? '').replace(/\d+/g, 'N').replace(/'[^']*'/g, "'…'").slice(0, 60) : o.error;
    const key = `${f.rule}|${o.kind === 'response' ? o.status : 'x'}|${o.kind === 'response' ? o.json?.error?.type : ''}|${message}`;
    const group = groups.get(key);
    if (!group) groups.set(key, { count: 1, example: f });
    else {
      group.count += 1;
      if (size(f) < size(group.example)) group.example = f;
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}
