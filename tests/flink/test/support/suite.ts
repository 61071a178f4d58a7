// What the Flink suite shares with the other engine suites comes from the kit
// (tests/engine-kit, documented in its README.md); this file holds what is the suite's own.
import { defineEngineSuite, type KafkaRequester as Requester } from '@stateflow/engine-test-kit';

/**
 * The Flink suite: Kafka on 127.0.0.1:19392 (`STATEFLOW_FLINK_TEST_KAFKA_PORT`, or an
 * existing broker with `STATEFLOW_FLINK_TEST_BOOTSTRAP`), PyFlink (`tools/engines/flink/setup.sh`).
 */
export const suite = defineEngineSuite({ engine: 'flink', kafkaPort: 19392, setup: [{ script: 'flink/setup.sh' }] });

// registry: every process group of the run; REPLY_TOPIC: `flink-tests-replies`, where every
// deployment answers; KafkaRequester.connect(bootstrap) and readTopic: raw Kafka I/O on it.
export const { registry, replyTopic: REPLY_TOPIC, requester: KafkaRequester, readTopic } = suite;
export type KafkaRequester = Requester;

/** Vitest's global setup (vitest.config.ts): one Kafka broker for the whole run. */
export default suite.globalSetup;
