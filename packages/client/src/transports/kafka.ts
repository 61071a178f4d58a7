import type { EntityState, Result } from '@stateflow/ir';
import { Kafka, logLevel as KafkaLogLevel, Partitioners, type Consumer, type KafkaConfig, type Producer } from 'kafkajs';
import { remoteErrorOf, TransportError } from '../errors.js';
import { uuidv7 } from '../request-id.js';
import { buildRequestEvent, parseResponseEvent } from '../events.js';
import { coalescing } from './coalesce.js';
import type { SendContext, Transport, TransportRequest } from '../transport.js';

/** Options of {@link kafkaTransport}. */
export interface KafkaTransportOptions {
  /** Bootstrap brokers, e.g. `['127.0.0.1:19092']` (ignored when `kafka` is given). */
  brokers?: string[];
  /** A configured kafkajs client (TLS, SASL, ...); built from `brokers` when absent. */
  kafka?: Kafka;
  /** Topic the engine reads `Invoke`/`Construct` events from. */
  requestTopic: string;
  /** Topic the engine writes `Response` events to; it must exist. */
  replyTopic: string;
  /**
   * This client's id: `replyTo.id` of its events and its consumer group (each client
   * reads every reply and keeps those of its own requests).
   * @default 'stateflow-client-' + a random UUID
   */
  clientId?: string;
  /**
   * How long connecting (producer, consumer group join) may take, in ms.
   * @default 30000
   */
  connectTimeoutMs?: number;
  /**
   * kafkajs log level.
   * @default logLevel.NOTHING (failures surface as TransportError)
   */
  logLevel?: KafkaLogLevel;
}

/** A Kafka transport; `connect()` is optional (the first call connects). */
export interface KafkaTransport extends Transport {
  /** The `replyTo` of this client's events: `{channel: 'kafka:<replyTopic>', id: clientId}`. */
  readonly replyTo: { channel: string; id: string };
  /** Connects the producer and joins the reply consumer group. */
  connect(): Promise<void>;
  close(): Promise<void>;
}

interface Pending {
  resolve(result: Result): void;
  reject(error: Error): void;
}

/**
 * The record key of a request event: `Entity/key` for an `Invoke`, so every event of
 * one instance lands on one partition in order; `null` for a `Construct` (no key is
 * known before `__init__` runs), so creates spread over the partitions.
 */
export function requestRecordKey(request: TransportRequest): string | null {
  return request.kind === 'invoke' ? `${request.entity}/${request.key}` : null;
}

/**
 * A transport over Kafka for dataflow engines (the Flink backend): each call produces an
 * `Invoke` or `Construct` event (`@stateflow/ir` envelope, JSON) to `requestTopic`,
 * keyed by `Entity/key`, with `replyTo = {channel: 'kafka:<replyTopic>', id: clientId}`,
 * and waits for the `Response` event with the same `requestId` on `replyTopic`.
 *
 * A retry produces the same event again (same `requestId`); the engine deduplicates.
 * A timeout stops waiting; the request may still run.
 */
export function kafkaTransport(options: KafkaTransportOptions): KafkaTransport {
  const clientId = options.clientId ?? `stateflow-client-${crypto.randomUUID()}`;
  const replyTo = { channel: `kafka:${options.replyTopic}`, id: clientId };
  const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  // Several calls may wait for one request id (the same call sent twice at once).
  const pending = new Map<string, Set<Pending>>();
  let kafka: Kafka | undefined = options.kafka;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;
  let connecting: Promise<void> | undefined;
  let closed = false;
  // Concurrent calls share produce requests (one in flight, see coalesce.ts).
  const produce = coalescing<{ key: string | null; value: string }>((messages) =>
    producer!.send({ topic: options.requestTopic, acks: -1, messages }).then(() => undefined),
  );

  function client(): Kafka {
    if (kafka) return kafka;
    if (!options.brokers?.length) throw new TypeError('kafkaTransport: pass `brokers` (e.g. ["127.0.0.1:19092"]) or a `kafka` client');
    const config: KafkaConfig = { clientId, brokers: options.brokers, logLevel: options.logLevel ?? KafkaLogLevel.NOTHING };
    kafka = new Kafka(config);
    return kafka;
  }

  function onReply(text: string): void {
    let event;
    try {
      event = parseResponseEvent(text, `topic ${options.replyTopic}`);
    } catch {
      return; // not a Response event of ours: other producers may share the topic
    }
    const waiting = pending.get(event.requestId);
    if (!waiting || (event.replyTo && event.replyTo.id !== clientId)) return;
    pending.delete(event.requestId);
    for (const one of waiting) one.resolve(event.result);
  }

  async function doConnect(): Promise<void> {
    const k = client();
    const admin = k.admin();
    await admin.connect();
    let offsets: { partition: number; offset: string }[];
    try {
      offsets = await admin.fetchTopicOffsets(options.replyTopic);
    } catch (err) {
      throw new TransportError(
        `kafka: cannot read reply topic '${options.replyTopic}' (${(err as Error).message}); create it first (e.g. tools/engines/kafka/create-topic.sh ${options.replyTopic})`,
        false,
        { cause: err },
      );
    } finally {
      await admin.disconnect();
    }
    producer = k.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    consumer = k.consumer({ groupId: clientId });
    await consumer.connect();
    await consumer.subscribe({ topic: options.replyTopic, fromBeginning: false });
    const joined = new Promise<void>((resolve) => {
      const remove = consumer!.on(consumer!.events.GROUP_JOIN, () => {
        remove();
        resolve();
      });
    });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value) onReply(message.value.toString('utf8'));
      },
    });
    // Once in the group (kafkajs refuses a seek before), read from the end as it was before
    // joining, so no reply produced meanwhile is missed.
    await joined;
    for (const { partition, offset } of offsets) consumer.seek({ topic: options.replyTopic, partition, offset });
  }

  async function connect(): Promise<void> {
    if (closed) throw new TransportError('kafka: the transport is closed', false);
    connecting ??= withTimeout(doConnect(), connectTimeoutMs, `kafka: connecting to ${options.brokers?.join(',') ?? 'the brokers'}`).catch(
      (err: unknown) => {
        connecting = undefined;
        throw err instanceof TransportError ? err : new TransportError(`kafka: cannot connect: ${(err as Error).message}`, true, { cause: err });
      },
    );
    return connecting;
  }

  /** Produces one request event and waits for the Response with its request id. */
  async function exchange(recordKey: string | null, event: object, requestId: string, signal: AbortSignal): Promise<Result> {
    await connect();
    let me!: Pending;
    const answer = new Promise<Result>((resolve, reject) => {
      me = { resolve, reject };
      const forget = () => {
        const waiting = pending.get(requestId);
        waiting?.delete(me);
        if (waiting?.size === 0) pending.delete(requestId);
      };
      if (signal.aborted) return reject(signal.reason as Error);
      pending.set(requestId, (pending.get(requestId) ?? new Set()).add(me));
      signal.addEventListener('abort', () => {
        forget();
        reject(signal.reason as Error);
      }, { once: true });
      me.reject = (err) => {
        forget();
        reject(err);
      };
    });
    // A timeout may reject it while the produce below is still awaited: handled by our caller.
    answer.catch(() => undefined);
    try {
      await produce({ key: recordKey, value: JSON.stringify(event) });
    } catch (err) {
      const retriable = (err as { retriable?: boolean }).retriable !== false;
      me.reject(new TransportError(`kafka: producing to '${options.requestTopic}' failed: ${(err as Error).message}`, retriable, { cause: err }));
    }
    return answer;
  }

  return {
    name: 'kafka',
    replyTo,
    connect,
    async send(request: TransportRequest, context: SendContext): Promise<Result> {
      const event = buildRequestEvent(request, context.requestId, replyTo);
      return exchange(requestRecordKey(request), event, context.requestId, context.signal);
    },
    /**
     * Reads an instance's state with a `GetState` event, an extension of the Flink
     * backend (engines without it answer with an error, thrown as a `RemoteError`).
     */
    async getState(entity: string, key: string, context: { signal: AbortSignal }): Promise<EntityState | undefined> {
      const requestId = uuidv7();
      const event = { kind: 'GetState', requestId, seq: 0, stack: [], replyTo, target: { entity, key } };
      const result = await exchange(`${entity}/${key}`, event, requestId, context.signal);
      if ('ok' in result) return result.ok as EntityState;
      if (result.error.code === 'EntityNotFound') return undefined;
      throw remoteErrorOf(result.error);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const waiting of pending.values()) {
        for (const one of waiting) one.reject(new TransportError('kafka: the transport was closed before the response arrived', false));
      }
      pending.clear();
      await connecting?.catch(() => undefined);
      await consumer?.disconnect();
      await producer?.disconnect();
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TransportError(`${what} took longer than ${ms} ms`, true)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e as Error);
      },
    );
  });
}
