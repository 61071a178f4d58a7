import { describe, expect, it } from 'vitest';
import { checkKafkaTopics, KAFKA_BOOTSTRAP_FORMAT, programSlug, readKafkaTopics, readSettings, type BackendSettings } from '../src/index.js';

class TestConfigError extends Error {}
const fail = (message: string): TestConfigError => new TestConfigError(message);

const SETTINGS: BackendSettings = {
  name: { type: 'string', help: 'a name' },
  bootstrap: { type: 'string', help: 'brokers' },
  parallelism: { type: 'integer', min: 1, help: 'subtasks' },
  port: { type: 'integer', help: 'a port' },
  dedup: { type: 'boolean', help: 'deduplicate' },
  mode: { type: 'string', help: 'a mode' },
  topics: { type: 'list', help: 'topics' },
};

function reader(overrides: { [key: string]: string | number | boolean | undefined }) {
  return readSettings(SETTINGS, overrides, fail);
}

describe('readSettings', () => {
  it('reads every given setting by its declared type (given)', () => {
    const read = reader({ name: 'x', parallelism: '4', dedup: 'true', topics: 'a,b' });
    expect(read.given()).toEqual({ name: 'x', parallelism: 4, dedup: true, topics: ['a', 'b'] });
    expect(() => reader({ port: '70000' }).given({ max: { port: 65_535 } })).toThrow('port must be a whole number from 0 to 65535');
    expect(() => reader({ port: '9007199254740993' }).given()).toThrow('port must be a whole number from 0 to 9007199254740991');
    expect(() => reader({ name: 'a b' }).given({ format: { pattern: /^\w+$/, expected: 'a word' } })).toThrow("name must be a word (got 'a b')");
  });

  it('returns undefined for what was not given, and the typed value for what was', () => {
    const read = reader({ name: 'x', parallelism: '4', dedup: false, mode: 'fast', topics: 'a, b,,c', port: undefined });
    expect(read.text('name')).toBe('x');
    expect(read.integer('parallelism')).toBe(4);
    expect(read.integer('port')).toBeUndefined();
    expect(read.boolean('dedup')).toBe(false);
    expect(read.oneOf('mode', ['fast', 'slow'])).toBe('fast');
    expect(read.list('topics')).toEqual(['a', 'b', 'c']);
    expect(read.text('bootstrap')).toBeUndefined();
  });

  it('refuses an unknown setting, listing the known ones', () => {
    expect(() => reader({ paralelism: 2 })).toThrow(new TestConfigError("unknown setting 'paralelism' (known: name, bootstrap, parallelism, port, dedup, mode, topics)"));
    expect(() => reader({ toString: 'x' })).toThrow(/unknown setting 'toString'/);
  });

  it('says what a bad value should be and what was given', () => {
    expect(() => reader({ parallelism: '0' }).integer('parallelism')).toThrow("parallelism must be a whole number >= 1 (got '0')");
    expect(() => reader({ parallelism: '1.5' }).integer('parallelism')).toThrow("parallelism must be a whole number >= 1 (got '1.5')");
    expect(() => reader({ port: '70000' }).integer('port', { min: 1, max: 65535 })).toThrow("port must be a whole number from 1 to 65535 (got '70000')");
    expect(() => reader({ dedup: 'yes' }).boolean('dedup')).toThrow("dedup must be true or false (got 'yes')");
    expect(() => reader({ mode: 'medium' }).oneOf('mode', ['fast', 'slow'])).toThrow("mode must be fast or slow (got 'medium')");
    expect(() => reader({ bootstrap: 'localhost' }).text('bootstrap', KAFKA_BOOTSTRAP_FORMAT)).toThrow(
      "bootstrap must be host:port[,host:port...] (got 'localhost')",
    );
    expect(() => reader({ bootstrap: 'a:1' }).integer('bootstrap')).toThrow(TestConfigError);
    expect(reader({ bootstrap: 'a:1,b:2' }).text('bootstrap', KAFKA_BOOTSTRAP_FORMAT)).toBe('a:1,b:2');
  });
});

describe('checkKafkaTopics', () => {
  it('accepts valid, distinct topics and * among the reply topics', () => {
    expect(() => checkKafkaTopics({ ingress: 'a-ingress', egress: 'a.egress' }, ['*', 'replies_1'], fail)).not.toThrow();
  });

  it('refuses an invalid name or two roles on one topic', () => {
    expect(() => checkKafkaTopics({ ingress: 'a b' }, [], fail)).toThrow("'a b' is not a valid Kafka topic name (letters, digits, '.', '_', '-')");
    expect(() => checkKafkaTopics({ ingress: 'x' }, ['bad/topic'], fail)).toThrow(/'bad\/topic' is not a valid/);
    expect(() => checkKafkaTopics({ ingress: 't', internal: 'u', egress: 't', deadLetter: 'v' }, [], fail)).toThrow(
      'the ingress, internal, egress and dead-letter topics must differ (got t, u, t, v)',
    );
  });
});

describe('readKafkaTopics', () => {
  const TOPIC_SETTINGS: BackendSettings = {
    ingressTopic: { type: 'string', help: 'ingress' },
    deadLetterTopic: { type: 'string', help: 'dead letters' },
    replyTopics: { type: 'list', help: 'reply topics' },
  };
  const defaults = { topics: { ingress: 'app-ingress', deadLetter: 'app-dead-letter' }, replyTopics: [] as string[] };

  it('reads <role>Topic and replyTopics over the defaults, without changing the defaults', () => {
    const read = readSettings(TOPIC_SETTINGS, { deadLetterTopic: 'dlq', replyTopics: 'r1,*' }, fail);
    expect(readKafkaTopics(read, defaults, fail)).toEqual({ topics: { ingress: 'app-ingress', deadLetter: 'dlq' }, replyTopics: ['r1', '*'] });
    expect(defaults.topics.deadLetter).toBe('app-dead-letter');
  });

  it('checks what it read', () => {
    const read = readSettings(TOPIC_SETTINGS, { deadLetterTopic: 'app-ingress' }, fail);
    expect(() => readKafkaTopics(read, defaults, fail)).toThrow('the ingress and dead-letter topics must differ (got app-ingress, app-ingress)');
  });
});

describe('programSlug', () => {
  const program = (name: string) => ({ module: { name } }) as unknown as Parameters<typeof programSlug>[0];
  it('keeps letters and digits, one dash for each run of anything else, app when empty', () => {
    expect(programSlug(program('My_App.v2'))).toBe('My-App-v2');
    expect(programSlug(program('My_App.v2'), { lowerCase: true })).toBe('my-app-v2');
    expect(programSlug(program('__'))).toBe('app');
    expect(programSlug(program(''))).toBe('app');
  });
});
