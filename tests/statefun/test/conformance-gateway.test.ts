import { describeGatewayConformance } from '@stateflow/engine-test-kit';
import { deploy } from './support/deploy.js';
import { suite } from './support/suite.js';

describeGatewayConformance({ suite, engine: 'Statefun', unit: 'deployment', deploy });
