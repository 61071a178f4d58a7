import shop from '@stateflow/ir/test-vectors/shop.ir.json' with { type: 'json' };
import type { Program } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { defaultFlinkConfig, FlinkConfigError, resolveFlinkConfig } from '../src/config.js';

const program = shop as unknown as Program;

describe('resolveFlinkConfig', () => {
  it('derives topics, group and transactional id from the module name', () => {
    const config = defaultFlinkConfig(program);
    const name = `stateflow-${program.module.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
    expect(config.topics).toEqual({ ingress: `${name}-ingress`, internal: `${name}-internal`, egress: `${name}-egress`, deadLetter: `${name}-dead-letter` });
    expect(config.transactionalIdPrefix).toBe(name);
    expect(config.checkpoint.intervalMs).toBe(200);
    expect(config.transactionTimeoutMs).toBeLessThan(900_000);
  });

  it('applies overrides', () => {
    const config = resolveFlinkConfig(program, {
      bootstrap: 'k1:9092,k2:9092',
      topicPrefix: 'shop',
      parallelism: '4',
      checkpointIntervalMs: 500,
      checkpointDir: 's3://bucket/ckpt',
      replyTopics: 'a, b',
      egressTopic: 'out',
    });
    expect(config.bootstrap).toBe('k1:9092,k2:9092');
    expect(config.topics).toEqual({ ingress: 'shop-ingress', internal: 'shop-internal', egress: 'out', deadLetter: 'shop-dead-letter' });
    expect(config.groupId).toBe('shop');
    expect(config.parallelism).toBe(4);
    expect(config.checkpoint).toMatchObject({ intervalMs: 500, dir: 's3://bucket/ckpt' });
    expect(config.replyTopics).toEqual(['a', 'b']);
  });

  it('rejects bad settings with a message naming the key', () => {
    expect(() => resolveFlinkConfig(program, { parallelism: 'two' })).toThrow(new FlinkConfigError("parallelism must be a whole number >= 1 (got 'two')"));
    expect(() => resolveFlinkConfig(program, { bootstrap: 'localhost' })).toThrow(/bootstrap must be host:port/);
    expect(() => resolveFlinkConfig(program, { topicPrefix: 'a b' })).toThrow(/not a valid Kafka topic name/);
    expect(() => resolveFlinkConfig(program, { egressTopic: 'x', ingressTopic: 'x' })).toThrow(/must differ/);
    expect(() => resolveFlinkConfig(program, { nope: '1' })).toThrow(/unknown setting 'nope'/);
    expect(() => resolveFlinkConfig(program, { localHops: 'maybe' })).toThrow(new FlinkConfigError("localHops must be true or false (got 'maybe')"));
    expect(() => resolveFlinkConfig(program, { parallelism: 8, maxParallelism: 4 })).toThrow(/must not exceed maxParallelism/);
  });

  it('runs hops in place by default, with 128 key groups', () => {
    const config = resolveFlinkConfig(program);
    expect([config.localHops, config.maxParallelism]).toEqual([true, 128]);
    expect(resolveFlinkConfig(program, { localHops: false, maxParallelism: 256 })).toMatchObject({ localHops: false, maxParallelism: 256 });
  });

  it('lets callees answer (resumeDetached) by default, and turns it off on request', () => {
    expect(resolveFlinkConfig(program).resumeDetached).toBe(true);
    expect(resolveFlinkConfig(program, { resumeDetached: 'false' }).resumeDetached).toBe(false);
    expect(() => resolveFlinkConfig(program, { resumeDetached: 'no' })).toThrow(new FlinkConfigError("resumeDetached must be true or false (got 'no')"));
  });

  it('runs Python operators in worker processes by default; thread mode on request, other values refused', () => {
    expect(resolveFlinkConfig(program).executionMode).toBe('process');
    expect(resolveFlinkConfig(program, { executionMode: 'thread' }).executionMode).toBe('thread');
    expect(() => resolveFlinkConfig(program, { executionMode: 'loopback' })).toThrow(
      new FlinkConfigError("executionMode must be process or thread (got 'loopback')"),
    );
  });

  it("keeps the Kafka client's sink linger and incrementing transaction names by default; both configurable", () => {
    const config = resolveFlinkConfig(program);
    expect(config.sinkLingerMs).toBe(5);
    expect(config.transactionNaming).toBe('incrementing');
    expect(resolveFlinkConfig(program, { sinkLingerMs: '0', transactionNaming: 'pooling' })).toMatchObject({
      sinkLingerMs: 0,
      transactionNaming: 'pooling',
    });
    expect(() => resolveFlinkConfig(program, { sinkLingerMs: '-1' })).toThrow(new FlinkConfigError("sinkLingerMs must be a whole number >= 0 (got '-1')"));
    expect(() => resolveFlinkConfig(program, { transactionNaming: 'random' })).toThrow(
      new FlinkConfigError("transactionNaming must be incrementing or pooling (got 'random')"),
    );
  });

  it('has one sink for every output by default; a sink per output on request or with pooling', () => {
    expect(resolveFlinkConfig(program).sinks).toBe('single');
    expect(resolveFlinkConfig(program, { sinks: 'per-output' }).sinks).toBe('per-output');
    expect(resolveFlinkConfig(program, { transactionNaming: 'pooling' }).sinks).toBe('per-output');
    expect(() => resolveFlinkConfig(program, { sinks: 'two' })).toThrow(new FlinkConfigError("sinks must be single or per-output (got 'two')"));
    expect(() => resolveFlinkConfig(program, { transactionNaming: 'pooling', sinks: 'single' })).toThrow(
      new FlinkConfigError("transactionNaming 'pooling' needs sinks 'per-output' (the single sink writes to a topic per record, whose transactions pooling cannot list)"),
    );
  });

  it("uses Flink's changelog state backend by default; off on request", () => {
    expect(resolveFlinkConfig(program).stateChangelog).toBe(true);
    expect(resolveFlinkConfig(program, { stateChangelog: false }).stateChangelog).toBe(false);
    expect(() => resolveFlinkConfig(program, { stateChangelog: 'yes' })).toThrow(new FlinkConfigError("stateChangelog must be true or false (got 'yes')"));
  });
});
