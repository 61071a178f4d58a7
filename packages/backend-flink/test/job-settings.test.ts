import { describe, it } from 'vitest';
import { expectPythonChecksPass } from './python-checks.js';

describe('job.py settings (no PyFlink)', () => {
  it('passes its Python tests', () => expectPythonChecksPass('job_settings_test.py'));
});
