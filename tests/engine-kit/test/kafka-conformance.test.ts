import type { KafkaTransport, SendContext, TransportRequest } from '@stateflow/client/kafka';
import type { CombinedProgram, ConformanceClient, ConformanceTarget, Scenario } from '@stateflow/conformance';
import type { Program, Result } from '@stateflow/ir';
import { describe, expect, it } from 'vitest';
import { kafkaConformanceTarget, runCombinedConformance, type KafkaDeployment } from '../src/index.js';

// The conformance targets of the Kafka suites, with a stand-in for the Kafka transport and
// the deployment: what each client call becomes, and that every deployment is stopped.

const program = { entities: [] } as unknown as Program;

/** A deployment that records its stop, and a transport that records what it was sent. */
function standIns(options: { connectFails?: boolean } = {}) {
  const events: string[] = [];
  const sent: { request: TransportRequest; requestId: string }[] = [];
  const app: KafkaDeployment = { prefix: 'sf-t1', ingress: 'sf-t1-ingress', stop: async () => void events.push('deployment stopped') };
  const transport = (o: { brokers: string[]; requestTopic: string; replyTopic: string }) => {
    events.push(`transport ${o.brokers.join(',')} ${o.requestTopic} -> ${o.replyTopic}`);
    return {
      name: 'kafka',
      replyTo: { channel: `kafka:${o.replyTopic}`, id: 'c' },
      async connect() {
        if (options.connectFails) throw new Error('no broker');
        events.push('connected');
      },
      async send(request: TransportRequest, context: SendContext): Promise<Result> {
        sent.push({ request, requestId: context.requestId });
        return request.kind === 'create' ? { ok: { $entity: request.entity, $key: 'k1' } } : { ok: 7 };
      },
      close: async () => void events.push('transport closed'),
    } as KafkaTransport;
  };
  const requester = { getState: async (topic: string, entity: string, key: string) => (events.push(`GetState ${topic} ${entity}/${key}`), { stock: 3 }) };
  const target = kafkaConformanceTarget(async () => app, requester, { bootstrap: '127.0.0.1:19999', replyTopic: 'suite-replies', transport });
  return { target, events, sent };
}

describe('kafkaConformanceTarget', () => {
  it('sends creates and calls through the Kafka transport with the deployment prefix as request ids, reads state with GetState, and closes in order', async () => {
    const { target, events, sent } = standIns();
    const client: ConformanceClient = await target.deploy(program);
    expect(await client.create('Item', ['coke', 3], {})).toEqual({ ok: { $entity: 'Item', $key: 'k1' } });
    expect(await client.invoke('Item', 'k1', 'price', [], { n: 1 })).toEqual({ ok: 7 });
    expect(await client.getState('Item', 'k1')).toEqual({ stock: 3 });
    await client.close();
    expect(sent).toEqual([
      { request: { kind: 'create', entity: 'Item', args: ['coke', 3], kwargs: {} }, requestId: 'sf-t1-0' },
      { request: { kind: 'invoke', entity: 'Item', key: 'k1', method: 'price', args: [], kwargs: { n: 1 } }, requestId: 'sf-t1-1' },
    ]);
    expect(events).toEqual([
      'transport 127.0.0.1:19999 sf-t1-ingress -> suite-replies',
      'connected',
      'GetState sf-t1-ingress Item/k1',
      'transport closed',
      'deployment stopped',
    ]);
  });

  it('stops the deployment when the transport cannot connect', async () => {
    const { target, events } = standIns({ connectFails: true });
    await expect(target.deploy(program)).rejects.toThrow('no broker');
    expect(events.at(-1)).toBe('deployment stopped');
  });
});

describe('runCombinedConformance', () => {
  const scenario = (id: string, price: number): Scenario =>
    ({
      id,
      feature: 'f',
      name: id,
      program: 'unused',
      steps: [{ op: 'invoke', entity: 'Item', key: 'k', method: 'price', args: [], kwargs: {}, expect: { result: price } }],
    }) as unknown as Scenario;

  it('runs every scenario on one deployment, logs each outcome, and returns the report, scoreboard and deployment count', async () => {
    const lines: string[] = [];
    let closed = 0;
    const target: ConformanceTarget = {
      deploy: async () => ({
        create: async () => ({ ok: null }),
        invoke: async () => ({ ok: 7 }),
        getState: async () => undefined,
        close: async () => void closed++,
      }),
    };
    const run = await runCombinedConformance(target, {
      title: 'stand-in',
      log: (m) => lines.push(m),
      label: 'gateway',
      concurrency: 2,
      scenarios: [scenario('f/right', 7), scenario('f/wrong', 8)],
      combined: { program, renames: { 'f/right': {}, 'f/wrong': {} }, excluded: {} } as unknown as CombinedProgram,
    });
    expect([run.report.passed, run.report.total, run.deployments, closed]).toEqual([1, 2, 1, 1]);
    expect(run.board).toContain('stand-in');
    expect(lines.sort()).toEqual([expect.stringMatching(/^gateway FAIL f\/wrong \([\d.]+ s\)$/), expect.stringMatching(/^gateway pass f\/right \([\d.]+ s\)$/)]);
  });
});
