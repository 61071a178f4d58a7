import { randomUUID } from 'node:crypto';
import type { EntityState, ResponseEvent } from '@stateflow/ir';
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';

/** Names a requester gives what it makes on the broker. */
export interface RequesterNames {
  /** The topic every deployment of the run answers on (allowed as a reply topic of each). */
  replyTopic: string;
  /** Prefix of the client id and the consumer groups (`<prefix>-<uuid>`), e.g. `flink-tests`. */
  prefix: string;
}

/**
 * A minimal request/response helper over Kafka (kafkajs) for what the typed client does
 * not send: raw records (malformed input), events with a chosen requestId (retries), and
 * the Kafka backends' `GetState` extension. Reads the reply topic with read_committed.
 */
export class KafkaRequester {
  readonly replyTo: { channel: string; id: string };
  private readonly pending = new Map<string, (e: ResponseEvent) => void>();
  /** Every Response read, by requestId (also those nobody waited for: duplicates). */
  readonly seen = new Map<string, ResponseEvent[]>();

  private constructor(
    readonly kafka: Kafka,
    private readonly producer: Producer,
    private readonly consumer: Consumer,
    readonly clientId: string,
    readonly replyTopic: string,
  ) {
    this.replyTo = { channel: `kafka:${replyTopic}`, id: clientId };
  }

  /** Connects to `bootstrap`, creating the reply topic when missing; resolves once it reads replies. */
  static async connect(bootstrap: string, names: RequesterNames): Promise<KafkaRequester> {
    const { replyTopic } = names;
    const clientId = `${names.prefix}-${randomUUID()}`;
    const kafka = new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING });
    await ensureTopics(kafka, [replyTopic]);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const consumer = kafka.consumer({ groupId: clientId, readUncommitted: false });
    const self = new KafkaRequester(kafka, producer, consumer, clientId, replyTopic);
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(replyTopic);
    await admin.disconnect();
    await consumer.connect();
    await consumer.subscribe({ topic: replyTopic, fromBeginning: false });
    const joined = new Promise<void>((resolve) => {
      const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
        remove();
        resolve();
      });
    });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (!message.value) return;
        const event = JSON.parse(message.value.toString('utf8')) as ResponseEvent;
        if (event.replyTo?.id !== clientId) return;
        const list = self.seen.get(event.requestId) ?? [];
        list.push(event);
        self.seen.set(event.requestId, list);
        const waiting = self.pending.get(event.requestId);
        if (waiting) {
          self.pending.delete(event.requestId);
          waiting(event);
        }
      },
    });
    await joined;
    // From the end as it was before joining: no reply produced after that is missed.
    for (const { partition, offset } of offsets) consumer.seek({ topic: replyTopic, partition, offset });
    return self;
  }

  /** Produces raw records (value text, optional key) to a topic. */
  async produce(topic: string, records: { key?: string | null; value: string }[]): Promise<void> {
    await this.producer.send({ topic, acks: -1, messages: records.map((r) => ({ key: r.key ?? null, value: r.value })) });
  }

  /** A request event with this requester's replyTo (requestId: given or random); `kind` may be an extension (`GetState`). */
  event<E extends { kind: string }>(fields: E, requestId: string = randomUUID()): E & { requestId: string; seq: number; stack: []; replyTo: { channel: string; id: string } } {
    return { requestId, seq: 0, stack: [], replyTo: this.replyTo, ...fields };
  }

  /** Waits for the Response of `requestId`. */
  waitFor(requestId: string, timeoutMs = 60_000): Promise<ResponseEvent> {
    const already = this.seen.get(requestId);
    if (already?.length) return Promise.resolve(already[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`no Response for request ${requestId} after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(requestId, (e) => {
        clearTimeout(timer);
        resolve(e);
      });
    });
  }

  /** Sends one event to `topic` (keyed like the client does) and waits for its Response. */
  async request(topic: string, event: { requestId: string; kind: string; target?: { entity: string; key: string } }, timeoutMs?: number): Promise<ResponseEvent> {
    const answer = this.waitFor(event.requestId, timeoutMs);
    const key = event.target ? `${event.target.entity}/${event.target.key}` : null;
    await this.produce(topic, [{ key, value: JSON.stringify(event) }]);
    return answer;
  }

  /** The encoded state of an instance (the backend's `GetState` extension), `undefined` when absent. */
  async getState(topic: string, entity: string, key: string): Promise<EntityState | undefined> {
    const response = await this.request(topic, this.event({ kind: 'GetState', target: { entity, key } }));
    if ('ok' in response.result) return response.result.ok as EntityState;
    if (response.result.error.code === 'EntityNotFound') return undefined;
    throw new Error(`GetState ${entity}/${key}: ${response.result.error.type}: ${response.result.error.message}`);
  }

  async close(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
  }
}

/** Creates topics (1 partition by default) when missing. */
export async function ensureTopics(kafka: Kafka, topics: string[], partitions = 1): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length) await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions })) });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads every committed record of a topic from the beginning until `count` arrived or
 * `timeoutMs` passed; the consumer group is `<groupPrefix>-read-<uuid>`.
 */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000, groupPrefix = 'engine-tests'): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `${groupPrefix}-read-${randomUUID()}`, readUncommitted: false });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done!: () => void;
    const enough = new Promise<void>((r) => (done = r));
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString('utf8') ?? '');
        if (values.length >= count) done();
      },
    });
    await Promise.race([enough, new Promise((r) => setTimeout(r, timeoutMs))]);
  } finally {
    await consumer.disconnect();
  }
  return values;
}
