import { checkKey, encodeCallArguments, systemError, type EntityState, type Program, type Result } from '@stateflow/ir';
import { TransportError, uuidv7, type Transport, type TransportRequest } from '@stateflow/client';
import { EngineUnavailableError, type EngineCallOptions, type EngineHealth, type GatewayEngine } from './engine.js';
import { RequestMetrics } from './request-metrics.js';

/** A client transport with the optional `connect` of the Kafka transport. */
export type GatewayTransport = Transport & { connect?(): Promise<void> };

/** Options of {@link transportEngine}. */
export interface TransportEngineOptions {
  /**
   * How long a call waits for its answer, in ms; past it the gateway answers 504 (the call
   * may still run: the same `Idempotency-Key` gets its outcome).
   * @default 30000
   */
  timeoutMs?: number;
  /** Makes the request id of a call without `Idempotency-Key`. @default uuidv7 */
  newRequestId?: () => string;
  /** Shown in `GET /health` as `engine`, e.g. `flink over kafka`. @default the transport's name */
  name?: string;
}

/** What {@link transportEngine} reports at `GET /health`. */
export interface TransportEngineHealth extends EngineHealth {
  /** The engine's name (the option `name`, else the transport's). */
  engine: string;
  entities: string[];
  uptimeSeconds: number;
}

/** An engine reached through a client transport, with `start` (connects) and `close`. */
export interface TransportEngine extends GatewayEngine {
  /** Connects the transport (when it can); the engine is ready once this resolves. */
  start(): Promise<void>;
  /** Closes the transport; calls waiting for an answer fail with 503. */
  close(): Promise<void>;
}

/**
 * The {@link GatewayEngine} of a deployment reached through a client transport (the Kafka
 * transport of `@stateflow/client/kafka` for the Flink backend): each call sends one
 * request event with the `Idempotency-Key` (or a new UUIDv7) as its request id and waits
 * for its outcome; the engine deduplicates. Unknown entity classes are answered here,
 * everything else by the engine. State is read with the transport's `getState`.
 */
export function transportEngine(program: Program, transport: GatewayTransport, options: TransportEngineOptions = {}): TransportEngine {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const newRequestId = options.newRequestId ?? uuidv7;
  const entities = new Set(program.entities.map((e) => e.name));
  const started = Date.now();
  let state: 'new' | 'connecting' | 'ready' | 'failed' | 'closed' = 'new';
  let failure: string | undefined;
  const metrics = new RequestMetrics();

  async function exchange<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (state === 'closed') throw new EngineUnavailableError(503, 'EngineUnavailable', 'the gateway is stopping');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('timeout')), timeoutMs);
    try {
      return await work(controller.signal);
    } catch (err) {
      if (controller.signal.aborted) {
        throw new EngineUnavailableError(
          504,
          'Timeout',
          `${what} got no answer from the engine within ${timeoutMs} ms; it may still run: send it again with the same Idempotency-Key to get its outcome`,
        );
      }
      if (err instanceof TransportError) {
        throw new EngineUnavailableError(err.retryable ? 503 : 502, 'EngineUnavailable', `${what}: ${err.message}`, { cause: err });
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  function unknownEntity(entity: string): Result {
    return { error: systemError('UnknownEntity', `no entity class '${entity}' in this program (entities: ${[...entities].join(', ') || 'none'})`) };
  }

  async function call(
    target: { kind: 'create'; entity: string } | { kind: 'invoke'; entity: string; key: string; method: string },
    args: unknown,
    kwargs: unknown,
    what: string,
    callOptions: EngineCallOptions | undefined,
  ): Promise<Result> {
    if (!entities.has(target.entity)) return unknownEntity(target.entity);
    const badKey = target.kind === 'invoke' ? checkKey(target.key) : undefined;
    if (badKey !== undefined) return { error: systemError('BadArguments', badKey) };
    // The same checks as the embedded runtime, so a bad value is a 400 here, not a round trip.
    const encoded = encodeCallArguments(args, kwargs, { entities });
    if ('problem' in encoded) return { error: systemError('BadArguments', encoded.problem) };
    const request: TransportRequest = { ...target, ...encoded.ok };
    const requestId = callOptions?.requestId ?? newRequestId();
    return exchange(what, (signal) => transport.send(request, { requestId, signal, attempt: 0 }));
  }

  return {
    program,
    metrics,
    async start() {
      state = 'connecting';
      try {
        await transport.connect?.();
        state = 'ready';
      } catch (err) {
        state = 'failed';
        failure = (err as Error).message;
        throw err;
      }
    },
    create(entity, args, kwargs, callOptions) {
      return call({ kind: 'create', entity }, args, kwargs, `create ${entity}`, callOptions);
    },
    invoke(entity, key, method, args, kwargs, callOptions) {
      return call({ kind: 'invoke', entity, key, method }, args, kwargs, `${entity}/${key}.${method}`, callOptions);
    },
    async getState(entity: string, key: string): Promise<EntityState | undefined> {
      const read = transport.getState?.bind(transport);
      if (!read) throw new EngineUnavailableError(502, 'EngineUnavailable', `the ${transport.name} transport cannot read state`);
      return exchange(`GET ${entity}/${key}`, (signal) => read(entity, key, { signal }));
    },
    health(): TransportEngineHealth {
      const ready = state === 'ready';
      return {
        ready,
        ...(ready ? {} : { reason: failure ?? (state === 'closed' ? 'the gateway is stopping' : 'connecting to the engine') }),
        engine: options.name ?? transport.name,
        entities: [...entities],
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
      };
    },
    async close() {
      state = 'closed';
      await transport.close?.();
    },
  };
}
