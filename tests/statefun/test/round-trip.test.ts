import { describeShopRoundTrip } from '@stateflow/engine-test-kit';
import { deploy } from './support/deploy.js';
import { suite } from './support/suite.js';

// Statefun's ingress hands the function service the record's bytes, which it decodes itself.
describeShopRoundTrip({ suite, engine: 'Statefun', deploy, invalidUtf8Reason: 'not UTF-8' });
