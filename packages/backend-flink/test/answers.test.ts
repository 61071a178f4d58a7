import { describe, it } from 'vitest';
import { expectPythonChecksPass } from './python-checks.js';

describe('answers stay where they are made: records, Query and Settle (no PyFlink)', () => {
  it('passes its Python tests', () => expectPythonChecksPass('answers_test.py'));
});
