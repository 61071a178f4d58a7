// What the Flink suite shares with the other engine suites comes from the kit
// (tests/engine-kit, documented in its README.md); this file holds what is the suite's own.
import { defineEngineSuite, type KafkaRequester as Requester } from '@stateflow/engine-test-kit';

/**
 * The Flink suite: Kafka on 127.0.0.1:19392 (`STATEFLOW_FLINK_TEST_KAFKA_PORT`, or an
 * existing broker with `STATEFLOW_FLINK_TEST_BOOTSTRAP`), PyFlink (`tools/engines/flink/setup.sh`).
 */
export const suite = defineEngineSuite({ engine: 'flink', kafkaPort: 19392, setup: [{ script: 'flink/setup.sh' }] });

/** Every process group the run starts, reaped when it ends (or when the next run starts). */
export const registry = suite.registry;
/** The reply topic shared by every deployment of a test run: `flink-tests-replies`. */
export const REPLY_TOPIC = suite.replyTopic;
/** `KafkaRequester.connect(bootstrap)`: raw records, chosen request ids, `GetState`, on {@link REPLY_TOPIC}. */
export const KafkaRequester = suite.requester;
export type KafkaRequester = Requester;
/** Every committed record of a topic, from the beginning (see the kit's `readTopic`). */
export const readTopic = suite.readTopic;

/** Vitest's global setup (vitest.config.ts): one Kafka broker for the whole run. */
export default suite.globalSetup;
