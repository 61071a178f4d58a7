import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateEvent, type EncodedValue, type EntityState, type Event, type Program, type ResponseEvent } from '@stateflow/ir';
import type { HostResult, PythonHost } from '../../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** The shop example as compiled by the frontend (fixture published by @stateflow/ir). */
export function shopProgram(): Program {
  return JSON.parse(readFileSync(join(root, 'packages/ir/test/fixtures/shop.ir.json'), 'utf8')) as Program;
}

/** A program using every terminator kind (fixture published by @stateflow/ir). */
export function bankProgram(): Program {
  return JSON.parse(readFileSync(join(root, 'packages/ir/test/fixtures/bank.ir.json'), 'utf8')) as Program;
}

/** A program from hand-written source with simple methods only. */
export function simpleProgram(name: string, source: string, entities: Record<string, string[]>): Program {
  const method = (m: string) => ({
    kind: 'Method' as const,
    name: m,
    params: [],
    returns: { kind: 'Any' as const },
    writes: true,
    loc: 'synthetic' as const,
    body: { kind: 'SimpleBody' as const },
  });
  return {
    kind: 'Program',
    irVersion: '0.1.0',
    module: { kind: 'PythonModule', name, path: `${name}.py`, source },
    entities: Object.entries(entities).map(([entity, methods]) => ({
      kind: 'EntityClass' as const,
      name: entity,
      loc: 'synthetic' as const,
      key: { method: '__key__' as const, type: { kind: 'Str' as const } },
      fields: [],
      init: method('__init__'),
      methods: methods.map(method),
    })),
  };
}

/** A tiny runtime for tests: routes out events to their targets and keeps state in a map. */
export class Router {
  readonly store = new Map<string, EntityState>();
  readonly hops: { event: Event; result: HostResult }[] = [];
  private n = 0;

  constructor(private readonly host: PythonHost) {}

  async hop(event: Event): Promise<HostResult> {
    const address = 'target' in event ? `${event.target.entity}/${event.target.key}` : undefined;
    const state = address ? (this.store.get(address) ?? null) : null;
    const [result] = await this.host.process([{ event, state }]);
    if (!result) throw new Error('no result');
    for (const out of result.out) {
      const check = validateEvent(out);
      if (!check.ok) throw new Error(`invalid event ${JSON.stringify(out)}: ${JSON.stringify(check.errors)}`);
    }
    if (result.state && address) this.store.set(address, result.state);
    this.hops.push({ event, result });
    return result;
  }

  async run(event: Event): Promise<ResponseEvent> {
    const queue: Event[] = [event];
    const responses: ResponseEvent[] = [];
    while (queue.length > 0) {
      const ev = queue.shift()!;
      if (ev.kind === 'Response') responses.push(ev);
      else queue.push(...(await this.hop(ev)).out);
    }
    if (responses.length !== 1) throw new Error(`expected one response, got ${responses.length}`);
    return responses[0]!;
  }

  base() {
    this.n += 1;
    return { requestId: `r${this.n}`, seq: 0, stack: [], replyTo: { channel: 'test', id: 'c1' } };
  }

  construct(entity: string, ...args: EncodedValue[]): Event {
    return { kind: 'Construct', entity, args, kwargs: {}, ...this.base() };
  }

  invoke(entity: string, key: string, method: string, ...args: EncodedValue[]): Event {
    return { kind: 'Invoke', target: { entity, key }, method, args, kwargs: {}, ...this.base() };
  }

  create(entity: string, ...args: EncodedValue[]): Promise<ResponseEvent> {
    return this.run(this.construct(entity, ...args));
  }

  call(entity: string, key: string, method: string, ...args: EncodedValue[]): Promise<ResponseEvent> {
    return this.run(this.invoke(entity, key, method, ...args));
  }

  state(entity: string, key: string): EntityState | undefined {
    return this.store.get(`${entity}/${key}`);
  }
}
