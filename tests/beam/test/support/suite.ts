// What the Beam suite shares with the other engine suites comes from the kit
// (tests/engine-kit, documented in its README.md); this file holds what is the suite's own.
import { defineEngineSuite, type KafkaRequester as Requester } from '@stateflow/engine-test-kit';

/**
 * The Beam suite: Kafka on 127.0.0.1:19492 (`STATEFLOW_BEAM_TEST_KAFKA_PORT`, or an
 * existing broker with `STATEFLOW_BEAM_TEST_BOOTSTRAP`), Beam's venv and Prism (`tools/engines/beam/setup.sh`, up to 30 minutes cold).
 */
export const suite = defineEngineSuite({ engine: 'beam', kafkaPort: 19492, setup: [{ script: 'beam/setup.sh', timeoutMs: 1_800_000 }] });

// registry: every process group of the run; REPLY_TOPIC: `beam-tests-replies`, where every
// deployment answers; KafkaRequester.connect(bootstrap) and readTopic: raw Kafka I/O on it.
export const { registry, replyTopic: REPLY_TOPIC, requester: KafkaRequester, readTopic } = suite;
export type KafkaRequester = Requester;

/** Vitest's global setup (vitest.config.ts): one Kafka broker for the whole run. */
export default suite.globalSetup;
