import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findBeamEnv } from '../src/beam-env.js';

const script = fileURLToPath(new URL('./state_commit_test.py', import.meta.url));
const pipelineDir = fileURLToPath(new URL('../pipeline', import.meta.url));

/** Beam's Python when `stateflow engine setup beam` has run here, else undefined. */
function beamPython(): string | undefined {
  try {
    return findBeamEnv().python;
  } catch {
    return undefined;
  }
}
const python = beamPython();

describe("one wait for a bundle's state writes (state_commit, against the installed Beam SDK)", () => {
  it.skipIf(python === undefined)('sends every write before awaiting any, as the SDK would send them', () => {
    const out = execFileSync(python!, [script], { env: { ...process.env, PYTHONPATH: pipelineDir }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out.trim().split('\n').pop()).toMatch(/^ok \d+$/);
  });
});
