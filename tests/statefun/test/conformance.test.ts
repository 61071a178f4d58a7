import { describeKafkaConformance } from '@stateflow/engine-test-kit';
import { deploy } from './support/deploy.js';
import { suite } from './support/suite.js';

// CI runs the kit once, through the HTTP gateway (conformance-gateway.test.ts), which also goes
// through the Kafka client transport; this direct run is the full form's
// (`pnpm -F @stateflow/statefun-tests test:full`), to keep CI within its time budget.
describeKafkaConformance({ suite, engine: 'Statefun', unit: 'deployment', deploy, title: 'Statefun 3.3 (Flink 1.16 mini-cluster, Kafka 4.4, exactly-once egress) through the Kafka client' });
