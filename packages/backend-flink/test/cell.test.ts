import { describe, it } from 'vitest';
import { expectPythonChecksPass } from './python-checks.js';

describe('one keyed value per instance: its state and recent request ids (no PyFlink)', () => {
  it('passes its Python tests', () => expectPythonChecksPass('cell_test.py'));
});
