import { describeGatewayConformance } from '@stateflow/engine-test-kit';
import { deploy } from './support/deploy.js';
import { suite } from './support/suite.js';

describeGatewayConformance({ suite, engine: 'Beam on Prism', unit: 'pipeline', deploy });
