import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deploy, type Deployment } from './support/deploy.js';
import { accountsProgram } from '@stateflow/engine-test-kit';
import { KafkaRequester } from './support/suite.js';

// The job's stateful operators have fixed ids (uid), so a checkpoint restores into a build whose
// graph differs around them. The earlier shape: PyFlink's identity map in front of the reply and
// dead-letter sinks (`get_side_output`), which the job dropped for the JVM's side outputs.
const withIdentityMaps = (jobPy: string): string => {
  const edited = jobPy
    .replace('side_output(processed, responses_tag)', 'processed.get_side_output(responses_tag)')
    .replace('side_output(processed, dead_tag)', 'processed.get_side_output(dead_tag)');
  if (edited === jobPy) throw new Error('job.py no longer has the side outputs this test reshapes');
  return edited;
};

describe('upgrade: a checkpoint of a job of another shape restores into the current job', () => {
  let app: Deployment;
  let requester: KafkaRequester;

  beforeAll(async () => {
    requester = await KafkaRequester.connect(inject('bootstrap'));
    // The identity maps stood in front of the three sinks of `per-output` (one sink has no side outputs).
    app = await deploy(await accountsProgram(), inject('bootstrap'), { checkpointIntervalMs: 200, editJob: withIdentityMaps, overrides: { sinks: 'per-output' } });
  });

  afterAll(async () => {
    await requester?.close();
    await app?.stop();
  });

  it('keeps every balance across the change of the graph', async () => {
    const names = ['u0', 'u1', 'u2'];
    for (const name of names) {
      const created = await requester.request(app.ingress, requester.event({ kind: 'Construct', entity: 'Account', args: [name, 100], kwargs: {} }));
      expect(created.result).toEqual({ ok: { $entity: 'Account', $key: name } });
    }
    const deposited = await requester.request(
      app.ingress,
      requester.event({ kind: 'Invoke', target: { entity: 'Account', key: 'u1' }, method: 'deposit', args: [23], kwargs: {} }),
    );
    expect(deposited.result).toEqual({ ok: 123 });
    // An answer is visible once the checkpoint after it completed: the state is in a retained one.
    await app.job.stop();

    // The current build's job.py (the folder was built by today's backend; only job.py was edited).
    const jobPy = join(app.dir, 'job.py');
    const current = readFileSync(jobPy, 'utf8')
      .replace('processed.get_side_output(responses_tag)', 'side_output(processed, responses_tag)')
      .replace('processed.get_side_output(dead_tag)', 'side_output(processed, dead_tag)');
    writeFileSync(jobPy, current);
    await app.restart();
    expect(readFileSync(join(app.job.logDir, 'job.log'), 'utf8'), app.log()).toMatch(/^RESTORE \S*chk-\d+$/m);

    const states = await Promise.all(names.map((n) => requester.getState(app.ingress, 'Account', n)));
    expect(states.map((s) => s?.['balance'])).toEqual([100, 123, 100]);
  });
});

// `sinks` changes the sink operators (one `sink-all` or three), whose state (the open Kafka
// transactions) a checkpoint must hand on: a checkpoint of the other layout is refused, and
// restores again once `sinks` is set back. Earlier versions' default was `per-output`.
describe('upgrade: a checkpoint of the other sinks layout', () => {
  let app: Deployment;
  let requester: KafkaRequester;
  const setSinks = (value: string) => {
    const file = join(app.dir, 'stateflow-job.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), sinks: value }, null, 2));
  };

  beforeAll(async () => {
    requester = await KafkaRequester.connect(inject('bootstrap'));
    app = await deploy(await accountsProgram(), inject('bootstrap'), { checkpointIntervalMs: 200, overrides: { sinks: 'per-output' } });
  });

  afterAll(async () => {
    await requester?.close();
    await app?.stop();
  });

  it('is refused with an error naming the setting, and restores with the setting it was taken with', async () => {
    const created = await requester.request(app.ingress, requester.event({ kind: 'Construct', entity: 'Account', args: ['s0', 70], kwargs: {} }));
    expect(created.result).toEqual({ ok: { $entity: 'Account', $key: 's0' } });
    await app.job.stop();

    setSinks('single');
    await expect(app.restart()).rejects.toThrow(/JOB_ERROR .*sinks 'single' restores only checkpoints of a job with the same sinks setting/);

    setSinks('per-output');
    await app.restart();
    const state = await requester.getState(app.ingress, 'Account', 's0');
    expect(state?.['balance']).toBe(70);
  });
});

// `stateChangelog` (Flink's changelog state backend, the default) changes how keyed state is
// written to a checkpoint, not the graph: a checkpoint of earlier builds (full snapshots)
// restores into a job with the changelog, and one taken with it restores into a job without.
describe('upgrade: a checkpoint taken with or without the state changelog', () => {
  let app: Deployment;
  let requester: KafkaRequester;
  const setChangelog = (value: boolean) => {
    const file = join(app.dir, 'stateflow-job.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), stateChangelog: value }, null, 2));
  };
  const deposit = async (key: string, amount: number) =>
    (await requester.request(app.ingress, requester.event({ kind: 'Invoke', target: { entity: 'Account', key }, method: 'deposit', args: [amount], kwargs: {} }))).result;

  beforeAll(async () => {
    requester = await KafkaRequester.connect(inject('bootstrap'));
    app = await deploy(await accountsProgram(), inject('bootstrap'), { checkpointIntervalMs: 200, overrides: { stateChangelog: false } });
  });

  afterAll(async () => {
    await requester?.close();
    await app?.stop();
  });

  it('restores either way with every balance', async () => {
    const created = await requester.request(app.ingress, requester.event({ kind: 'Construct', entity: 'Account', args: ['c0', 10], kwargs: {} }));
    expect(created.result).toEqual({ ok: { $entity: 'Account', $key: 'c0' } });
    await app.job.stop();

    setChangelog(true);
    await app.restart();
    expect(await deposit('c0', 5)).toEqual({ ok: 15 });
    await app.job.stop();

    setChangelog(false);
    await app.restart();
    expect(await deposit('c0', 1)).toEqual({ ok: 16 });
  });
});
