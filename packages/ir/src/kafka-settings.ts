import type { SettingsReader } from './settings-reader.js';

/** What a Kafka bootstrap setting must look like, for {@link SettingsReader.text}. */
export const KAFKA_BOOTSTRAP_FORMAT = { pattern: /^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, expected: 'host:port[,host:port...]' } as const;

/** Kafka's own rule for topic names. */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * Checks a backend's topics: each a valid Kafka topic name, the backend's own `topics` all
 * different (a shared one would mix requests with answers), the reply topics valid too
 * (`*`, any topic, allowed). `fail` makes the backend's error from a message.
 */
export function checkKafkaTopics<Topics extends { readonly [Role in keyof Topics]: string }>(topics: Topics, replyTopics: readonly string[], fail: (message: string) => Error): void {
  const names: string[] = Object.values(topics);
  for (const topic of [...names, ...replyTopics.filter((t) => t !== '*')]) {
    if (!TOPIC_NAME.test(topic)) throw fail(`'${topic}' is not a valid Kafka topic name (letters, digits, '.', '_', '-')`);
  }
  if (new Set(names).size !== names.length) {
    throw fail(`the ${describeRoles(Object.keys(topics))} topics must differ (got ${names.join(', ')})`);
  }
}

/** `ingress, internal, egress and dead-letter` from the roles' keys. */
function describeRoles(roles: string[]): string {
  const words = roles.map((role) => role.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * Reads a Kafka backend's topic settings over its defaults: `<role>Topic` for each role of
 * `topics` (e.g. `ingressTopic`, `deadLetterTopic`) and `replyTopics`, then checks them with
 * {@link checkKafkaTopics}. The backend declares those settings.
 */
export function readKafkaTopics<Topics extends { [Role in keyof Topics]: string }>(
  read: SettingsReader,
  defaults: { topics: Topics; replyTopics: string[] },
  fail: (message: string) => Error,
): { topics: Topics; replyTopics: string[] } {
  const topics = { ...defaults.topics };
  for (const role of Object.keys(topics) as (keyof Topics & string)[]) {
    topics[role] = (read.text(`${role}Topic`) ?? topics[role]) as Topics[typeof role];
  }
  const replyTopics = read.list('replyTopics') ?? defaults.replyTopics;
  checkKafkaTopics(topics, replyTopics, fail);
  return { topics, replyTopics };
}
