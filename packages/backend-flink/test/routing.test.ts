import { describe, it } from 'vitest';
import { expectPythonChecksPass } from './python-checks.js';

describe('the job\'s Python routing and operator logic (no PyFlink)', () => {
  it('passes its Python tests', () => expectPythonChecksPass('routing_test.py'));
});
