import { describeKafkaConformance } from '@stateflow/engine-test-kit';
import { deploy } from './support/deploy.js';
import { suite } from './support/suite.js';

// CI runs the kit through the bare Kafka transport on the standalone cluster (cluster.test.ts,
// parallelism 2) and through the HTTP gateway on the mini-cluster (conformance-gateway.test.ts);
// this mini-cluster run is the full form's (`pnpm -F @stateflow/flink-tests test:full`), to keep
// CI within its time budget.
describeKafkaConformance({ suite, engine: 'Flink', unit: 'job', deploy, title: 'Flink (PyFlink 2.3 mini-cluster, Kafka 4.4, exactly-once) through the Kafka client', fullOnlyReason: ' on the mini-cluster' });
