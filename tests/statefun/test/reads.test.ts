import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountsProgram } from '@stateflow/engine-test-kit';
import { deploy, type Deployment } from './support/deploy.js';
import { KafkaRequester } from './support/suite.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Reads keep no record (the guide's "Reads keep no record"): a retry of a read runs it again
 * and answers from the state as it is then; a write's retry still gets its first answer, and
 * so does a read sent with a write's request id. At-least-once egress: answers come at once.
 */
describe('reads on Statefun: no record, a retry runs again', () => {
  let app: Deployment;
  let requester: KafkaRequester;

  beforeAll(async () => {
    const bootstrap = inject('bootstrap');
    requester = await KafkaRequester.connect(bootstrap);
    app = await deploy(await accountsProgram(), bootstrap, { checkpointIntervalMs: 200, egressSemantic: 'at-least-once' });
  });

  afterAll(async () => {
    await requester?.close();
    await app?.stop();
  });

  const call = (method: string, args: unknown[], requestId?: string) =>
    requester.event({ kind: 'Invoke', target: { entity: 'Account', key: 'reader' }, method, args, kwargs: {} }, requestId);

  /** Sends `event` (again) and waits for its next answer (`request` returns the first one seen). */
  async function send(event: ReturnType<typeof call>): Promise<unknown> {
    const before = requester.seen.get(event.requestId)?.length ?? 0;
    await requester.produce(app.ingress, [{ key: 'Account/reader', value: JSON.stringify(event) }]);
    const deadline = Date.now() + 60_000;
    while ((requester.seen.get(event.requestId)?.length ?? 0) <= before) {
      if (Date.now() > deadline) throw new Error(`no answer for ${event.requestId}\n${app.log()}`);
      await sleep(20);
    }
    return requester.seen.get(event.requestId)![before]!.result;
  }

  it('answers a retried read from the state as it is then, and a retried write with its first answer', async () => {
    const created = await requester.request(app.ingress, requester.event({ kind: 'Construct', entity: 'Account', args: ['reader', 10], kwargs: {} }));
    expect(created.result).toEqual({ ok: { $entity: 'Account', $key: 'reader' } });
    const read = call('read', []);
    expect(await send(read)).toEqual({ ok: 10 });
    const deposit = call('deposit', [5]);
    expect(await send(deposit)).toEqual({ ok: 15 });
    expect(await send(read), 'the retried read ran again').toEqual({ ok: 15 });
    expect(await send(deposit), "the retried write got its first answer").toEqual({ ok: 15 });
    expect(await send(call('deposit', [1]))).toEqual({ ok: 16 });
    expect(await send(call('read', [], deposit.requestId)), "a read with the write's request id gets the write's answer").toEqual({ ok: 15 });
    expect((await requester.getState(app.ingress, 'Account', 'reader'))?.['balance'], 'each write applied once').toBe(16);
  });
});
