import { describe, it } from 'vitest';
import { expectPythonChecksPass } from './python-checks.js';

describe('hops in place between instances of one subtask (no PyFlink)', () => {
  it('passes its Python tests', () => expectPythonChecksPass('colocate_test.py'));
});
