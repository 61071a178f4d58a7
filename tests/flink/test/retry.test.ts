import { RequestExpiredError, StateflowClient, TimeoutError, uuidv7 } from '@stateflow/client';
import { kafkaTransport, type KafkaTransport } from '@stateflow/client/kafka';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deploy, type Deployment } from './support/deploy.js';
import { accountsProgram } from '@stateflow/engine-test-kit';
import { REPLY_TOPIC } from './support/suite.js';

// Retries as users make them: through the client's Kafka transport, which waits for the
// Response of its own request id (and client id) on the reply topic.
describe('retries with the same request id through the client (Kafka transport)', () => {
  let app: Deployment;
  let transports: KafkaTransport[] = [];
  let client: StateflowClient;
  const newClient = async () => {
    const transport = kafkaTransport({ brokers: [inject('bootstrap')], requestTopic: app.ingress, replyTopic: REPLY_TOPIC });
    await transport.connect();
    transports.push(transport);
    return new StateflowClient(transport, { timeoutMs: 60_000, retry: false });
  };
  const balance = async (key: string) => (await client.getState('Account', key))?.['balance'];

  beforeAll(async () => {
    app = await deploy(await accountsProgram(), inject('bootstrap'));
    client = await newClient();
    await client.create('Account', ['a', 100]);
    await client.create('Account', ['b', 100]);
  });

  afterAll(async () => {
    for (const t of transports) await t.close();
    transports = [];
    await app?.stop();
  });

  it('answers a repeated transfer (a split method) after its answer was delivered, and runs it once', async () => {
    const requestId = uuidv7();
    const b = client.ref('Account', 'b');
    expect(await client.invoke({ entity: 'Account', key: 'a' }, 'transfer', [5, b], {}, { requestId })).toBe(true);
    expect(await client.invoke({ entity: 'Account', key: 'a' }, 'transfer', [5, b], {}, { requestId })).toBe(true);
    // Repeated deposits are answered from memory too (answered in the first hop).
    const depositId = uuidv7();
    expect(await client.invoke({ entity: 'Account', key: 'b' }, 'deposit', [1], {}, { requestId: depositId })).toBe(106);
    expect(await client.invoke({ entity: 'Account', key: 'b' }, 'deposit', [1], {}, { requestId: depositId })).toBe(106);
    expect([await balance('a'), await balance('b')]).toEqual([95, 106]);
  });

  it('answers the retry of a transfer whose client timed out (the answer still on its way, or already sent)', async () => {
    const b = client.ref('Account', 'b');
    const ids = [uuidv7(), uuidv7(), uuidv7()];
    // A timeout far below one hop: each client gives up before the answer arrives.
    for (const requestId of ids) {
      await expect(client.invoke({ entity: 'Account', key: 'a' }, 'transfer', [1, b], {}, { requestId, timeoutMs: 20 })).rejects.toBeInstanceOf(TimeoutError);
    }
    // The first retry at once (its answer is probably still on its way), the others after the answers went out.
    const early = client.invoke({ entity: 'Account', key: 'a' }, 'transfer', [1, b], {}, { requestId: ids[0] });
    await new Promise((r) => setTimeout(r, 2_000));
    const late = ids.slice(1).map((requestId) => client.invoke({ entity: 'Account', key: 'a' }, 'transfer', [1, b], {}, { requestId }));
    expect(await Promise.all([early, ...late])).toEqual([true, true, true]);
    expect([await balance('a'), await balance('b')]).toEqual([92, 109]);
  });

  it('answers a retry from another client (a restarted process: a new client id) while the first is pending', async () => {
    const requestId = uuidv7();
    const other = await newClient();
    const b = client.ref('Account', 'b');
    const first = client.invoke({ entity: 'Account', key: 'a' }, 'transfer', [1, b], {}, { requestId });
    const second = other.invoke({ entity: 'Account', key: 'a' }, 'transfer', [1, b], {}, { requestId });
    expect(await Promise.all([first, second])).toEqual([true, true]);
    const third = await newClient();
    expect(await third.invoke({ entity: 'Account', key: 'a' }, 'transfer', [1, b], {}, { requestId })).toBe(true);
    expect([await balance('a'), await balance('b')]).toEqual([91, 110]);
  });

  it('answers a repeated create with the stored answer (created once)', async () => {
    const requestId = uuidv7();
    const other = await newClient();
    const [one, two] = await Promise.all([client.create('Account', ['c', 7], {}, { requestId }), other.create('Account', ['c', 7], {}, { requestId })]);
    expect([one.key, two.key]).toEqual(['c', 'c']);
    expect((await client.create('Account', ['c', 7], {}, { requestId })).key).toBe('c');
    expect(await balance('c')).toBe(7);
  });

  it('refuses a retry older than dedupTtlSeconds (RequestExpired), never running it', async () => {
    const old = uuidv7(Date.now() - 2 * 3600_000); // the default TTL is one hour
    const b = client.ref('Account', 'b');
    const error = await client.invoke({ entity: 'Account', key: 'a' }, 'transfer', [1, b], {}, { requestId: old }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestExpiredError);
    expect((error as Error).message).toMatch(/dedupTtlSeconds/);
    expect([await balance('a'), await balance('b')]).toEqual([91, 110]);
  });
});
