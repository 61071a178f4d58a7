import { describeKafkaConformance } from '@stateflow/engine-test-kit';
import { deploy } from './support/deploy.js';
import { suite } from './support/suite.js';

// CI runs the kit once, through the HTTP gateway (conformance-gateway.test.ts), which also goes
// through the Kafka client transport; this direct run is the full form's
// (`pnpm -F @stateflow/beam-tests test:full`), to keep CI within its time budget.
describeKafkaConformance({ suite, engine: 'Beam on Prism', unit: 'pipeline', deploy, title: 'Beam 2.78 on Prism (Kafka 4.4, splittable-DoFn read) through the Kafka client' });
