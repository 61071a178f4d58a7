import { describeShopRoundTrip } from '@stateflow/engine-test-kit';
import { deploy } from './support/deploy.js';
import { suite } from './support/suite.js';

// Flink's Kafka source decodes each value as UTF-8 (replacing what is not) before the job sees it.
describeShopRoundTrip({ suite, engine: 'Flink', deploy, invalidUtf8Reason: 'not JSON' });
