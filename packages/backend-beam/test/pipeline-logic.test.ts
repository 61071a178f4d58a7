import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { kernelPythonDir } from '@stateflow/python-kernel';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./pipeline_logic_test.py', import.meta.url));
const pipelineDir = fileURLToPath(new URL('../pipeline', import.meta.url));

describe("the pipeline's Python routing, request dedup and entity logic (no Beam)", () => {
  // Each key's entry in one text, and in a log of texts as the pipeline keeps it.
  it.each(['cell', 'log'])('passes its Python tests (entries kept as a %s)', (store) => {
    const python = process.env['STATEFLOW_PYTHON'] ?? 'python3';
    const out = execFileSync(python, [script], {
      env: { ...process.env, PYTHONPATH: [pipelineDir, kernelPythonDir()].join(':'), STATEFLOW_BEAM_TEST_STORE: store },
      encoding: 'utf8',
    });
    expect(out.trim().split('\n').pop()).toMatch(/^ok \d+$/);
  });
});
