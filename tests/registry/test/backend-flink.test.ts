import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { COUNTER_APP, heavy, installStats, newProject, ok, ours, record, removeProject } from './support/project.js';

// (3) Only the Flink backend and what compiling needs: build a job, then check from the
// installed tree that the embedded runtime and the engine clients did not come along.

// The CLI's own dependencies (the compiler, the client, the engine scripts) and the
// backend's (the kernel, and process-group for its local runs: Node only, no dependencies). The embedded runtime (Pyodide, LMDB, Arrow/Parquet) and the engine clients
// (kafkajs, the AWS SDK) are optional peers of the CLI, installed only for `serve` or `run`.
const EXPECTED_OURS = [
  '@stateflow/backend-flink', '@stateflow/cli', '@stateflow/client', '@stateflow/engine-harness',
  '@stateflow/frontend-python', '@stateflow/ir', '@stateflow/process-group', '@stateflow/python-kernel',
];
const EXPECTED_HEAVY: string[] = [];

const dir = newProject('flink-user', { 'app.py': COUNTER_APP });
afterAll(() => removeProject(dir));

it('npm install @stateflow/cli @stateflow/backend-flink builds a Flink job and brings nothing else', () => {
  ok(dir, 'npm', ['install', '@stateflow/cli', '@stateflow/backend-flink']);
  const r = ok(dir, 'npx', ['stateflow', 'build', 'app.py', '--target', 'flink', '--out', 'job']);
  expect(`${r.stdout}${r.stderr}`).toContain(`wrote ${join(dir, 'job')}`);
  for (const file of ['job.py', 'stateflow-job.json', 'program.ir.json']) expect(existsSync(join(dir, 'job', file)), file).toBe(true);
  expect(JSON.parse(readFileSync(join(dir, 'job', 'program.ir.json'), 'utf8')).entities[0].name).toBe('Counter');

  const stats = installStats(dir, 'npm');
  record('npm i @stateflow/cli @stateflow/backend-flink', stats);
  expect(ours(stats)).toEqual(EXPECTED_OURS);
  expect(heavy(stats)).toEqual(EXPECTED_HEAVY);
});
