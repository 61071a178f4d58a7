import { describe, expect, it } from 'vitest';
import { howItEnded } from '../../src/commands/target.js';

describe('how stateflow run reports a deployment that ended without being stopped', () => {
  it('names the signal of a killed job', () => {
    expect(howItEnded(137)).toBe('was killed (SIGKILL, exit 137)');
    expect(howItEnded(143)).toBe('was killed (SIGTERM, exit 143)');
  });

  it('says it exited otherwise', () => {
    expect(howItEnded(1)).toBe('ended without being asked to stop (exit 1)');
  });
});
