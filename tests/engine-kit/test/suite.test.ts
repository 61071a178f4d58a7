import { describe, expect, it } from 'vitest';
import { defineEngineSuite, suiteEnvName } from '../src/index.js';

const base = { engine: 'flink', kafkaPort: 19392, setup: [{ script: 'flink/setup.sh' }] };

describe('defineEngineSuite', () => {
  it('derives the suite name, reply topic and pid registry from the engine and port', () => {
    const suite = defineEngineSuite({ ...base, env: { STATEFLOW_CACHE: '/tmp/sf-cache' } });
    expect(suite.name).toBe('flink-tests');
    expect(suite.replyTopic).toBe('flink-tests-replies');
    expect(suite.kafkaPort).toBe(19392);
    expect(suite.registry.dir).toBe('/tmp/sf-cache/run/pids/flink-tests-19392');
  });

  it('takes the Kafka port from STATEFLOW_<ENGINE>_TEST_KAFKA_PORT, so two runs at once keep apart', () => {
    const suite = defineEngineSuite({ ...base, env: { STATEFLOW_CACHE: '/tmp/sf-cache', STATEFLOW_FLINK_TEST_KAFKA_PORT: '29392' } });
    expect(suite.kafkaPort).toBe(29392);
    expect(suite.registry.dir).toBe('/tmp/sf-cache/run/pids/flink-tests-29392');
  });

  it('refuses a port that is not one, naming the variable', () => {
    expect(() => defineEngineSuite({ ...base, env: { STATEFLOW_FLINK_TEST_KAFKA_PORT: 'abc' } })).toThrow(
      "STATEFLOW_FLINK_TEST_KAFKA_PORT must be a TCP port from 1 to 65534 (the controller takes the next one), not 'abc'",
    );
    expect(() => defineEngineSuite({ ...base, env: { STATEFLOW_FLINK_TEST_KAFKA_PORT: '65535' } })).toThrow(/65534/);
  });

  it('names environment variables after the engine', () => {
    expect(suiteEnvName('statefun', 'BOOTSTRAP')).toBe('STATEFLOW_STATEFUN_TEST_BOOTSTRAP');
    expect(suiteEnvName('my-engine', 'KAFKA_PORT')).toBe('STATEFLOW_MY_ENGINE_TEST_KAFKA_PORT');
  });
});
