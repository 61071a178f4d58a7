import type { EncodedValue, EntityState, ErrorValue, Event, Program, Result } from '@stateflow/ir';
import { PythonHostError, type HostRequest, type HostResult, type PythonHost } from '@stateflow/python-host';

/** Thrown by a {@link JsEntity} method to stand for a Python exception raised by user code. */
export class UserException extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

type Kwargs = { [name: string]: EncodedValue };

/** An entity class written in TypeScript, for scheduler tests that need no Python. */
export interface JsEntity {
  init(args: EncodedValue[], kwargs: Kwargs): EntityState;
  key(state: EntityState): string;
  methods: {
    [name: string]: (state: EntityState, args: EncodedValue[], kwargs: Kwargs) => { state?: EntityState; result: EncodedValue };
  };
}

/**
 * A {@link PythonHost} whose entities are TypeScript objects, following the kernel's
 * event semantics for methods without remote calls (Construct → Insert → Response,
 * Invoke → Response). It records every batch, and can hold batches at a gate so a test
 * can observe what the runtime does while a batch is in flight.
 */
export class JsHost implements PythonHost {
  readonly kind = 'js-test';
  readonly batches: HostRequest[][] = [];
  loaded: Program | undefined;
  closed = false;
  /** When set, `process` throws this (a crashed interpreter). */
  failWith: Error | undefined;
  /** When set, a batch holding a request it matches fails as a whole (a host that does not isolate events). */
  poisoned: ((request: HostRequest) => boolean) | undefined;
  private gated = false;
  private held: Array<() => void> = [];

  constructor(private readonly entities: { [name: string]: JsEntity }) {}

  async load(program: Program): Promise<void> {
    this.loaded = program;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.open();
  }

  /** From now on, batches wait in `process` until {@link JsHost.open} or {@link JsHost.step}. */
  hold(): void {
    this.gated = true;
  }

  /** Lets the oldest held batch through. */
  step(): void {
    this.held.shift()?.();
  }

  /** Releases all held batches and stops holding. */
  open(): void {
    this.gated = false;
    for (const release of this.held.splice(0)) release();
  }

  /** Number of batches waiting at the gate. */
  get waiting(): number {
    return this.held.length;
  }

  async process(batch: HostRequest[]): Promise<HostResult[]> {
    this.batches.push(structuredClone(batch));
    if (this.gated) await new Promise<void>((resolve) => this.held.push(resolve));
    // A batch held until the host was closed fails as a real host's would.
    if (this.closed) throw new PythonHostError('Closed', 'the js-test host is closed');
    if (this.failWith) throw this.failWith;
    if (this.poisoned && batch.some(this.poisoned)) throw new Error('the batch held a poisoned event');
    // Chained requests run on the state the previous request of their target left.
    const last = new Map<string, EntityState | null>();
    return batch.map((request) => {
      const event = request.event;
      const id = 'target' in event ? `${event.target.entity}/${event.target.key}` : undefined;
      const state = request.chained && id !== undefined ? (last.get(id) ?? null) : request.state;
      const result = this.handle(event, state);
      if (id !== undefined) last.set(id, result.state ?? state);
      return result;
    });
  }

  private handle(event: Event, state: EntityState | null): HostResult {
    switch (event.kind) {
      case 'Construct': {
        const cls = this.entities[event.entity]!;
        let newState: EntityState;
        try {
          newState = cls.init(event.args, event.kwargs);
        } catch (err) {
          if (err instanceof TypeError) return respond(event, { error: sys('BadArguments', err.message) });
          throw err;
        }
        const target = { entity: event.entity, key: cls.key(newState) };
        return { out: [{ ...base(event), kind: 'Insert', target, state: newState }] };
      }
      case 'Insert':
        if (state !== null) {
          return respond(event, {
            error: sys('EntityExists', `${event.target.entity} '${event.target.key}' already exists`),
          });
        }
        return { state: event.state, ...respond(event, { ok: { $entity: event.target.entity, $key: event.target.key } }) };
      case 'Invoke': {
        if (state === null) {
          return respond(event, { error: sys('EntityNotFound', `${event.target.entity} '${event.target.key}' does not exist`) });
        }
        const method = this.entities[event.target.entity]!.methods[event.method];
        if (!method) return respond(event, { error: sys('UnknownMethod', `no method ${event.method}`) });
        try {
          const out = method(structuredClone(state), event.args, event.kwargs);
          return { ...(out.state ? { state: out.state } : {}), ...respond(event, { ok: out.result }) };
        } catch (err) {
          if (err instanceof UserException) return respond(event, { error: { type: err.type, message: err.message } });
          if (err instanceof TypeError) return respond(event, { error: sys('BadArguments', err.message) });
          throw err;
        }
      }
      default:
        throw new Error(`JsHost does not handle ${event.kind} events`);
    }
  }
}

function sys(code: NonNullable<ErrorValue['code']>, message: string): ErrorValue {
  return { type: code, message, code };
}

function base(event: Event) {
  return { requestId: event.requestId, seq: event.seq + 1, stack: event.stack, replyTo: event.replyTo };
}

function respond(event: Event, result: Result): HostResult {
  return { out: [{ ...base(event), kind: 'Response', result }] };
}

/** A minimal IR program declaring the given entity classes and method names (no Python source). */
export function programOf(entities: { [name: string]: string[] }): Program {
  const method = (name: string) => ({
    kind: 'Method' as const,
    name,
    params: [],
    returns: { kind: 'Any' as const },
    writes: true,
    loc: 'synthetic' as const,
    body: { kind: 'SimpleBody' as const },
  });
  return {
    kind: 'Program',
    irVersion: '0.1.0',
    module: { kind: 'PythonModule', name: 'app', path: 'app.py', source: '' },
    entities: Object.entries(entities).map(([name, methods]) => ({
      kind: 'EntityClass' as const,
      name,
      loc: 'synthetic' as const,
      key: { method: '__key__' as const, type: { kind: 'Str' as const } },
      fields: [],
      init: method('__init__'),
      methods: methods.map(method),
    })),
  };
}

/** A counter keyed by name: `add(n)` appends `n` to `log` and adds it to `total`; `fail()` raises. */
export const counterEntity: JsEntity = {
  init: (args) => {
    if (typeof args[0] !== 'string') throw new TypeError('Counter() needs a name');
    return { name: args[0], total: 0, log: [] };
  },
  key: (state) => String(state['name']),
  methods: {
    add: (state, args) => {
      if (args.length !== 1 || typeof args[0] !== 'number') throw new TypeError('add() takes exactly one number');
      const n = args[0];
      return {
        state: { ...state, total: (state['total'] as number) + n, log: [...(state['log'] as number[]), n] },
        result: (state['total'] as number) + n,
      };
    },
    total: (state) => ({ result: state['total']! }),
    pair: (state) => ({ result: { $tuple: [state['name']!, state['total']!] } }),
    echo: (_state, args, kwargs) => ({ result: { args, kwargs } }),
    fail: (state) => {
      throw new UserException('ValueError', `counter ${String(state['name'])} refuses`);
    },
  },
};

/** The methods of {@link counterEntity} as the IR lists them, plus a private one. */
export const counterProgram = programOf({ Counter: ['add', 'total', 'pair', 'echo', 'fail', '_secret'] });
