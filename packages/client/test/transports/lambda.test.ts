import type { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { lambdaTransport } from '../../src/lambda.js';
import { RemoteError } from '../../src/index.js';

/** A LambdaClient stand-in: answers each InvokeCommand with `answer(payload)`. */
function fakeClient(answer: (event: { kind: string; requestId: string; target?: unknown }) => unknown) {
  const sent: { FunctionName: string; event: { kind: string; requestId: string; target?: unknown } }[] = [];
  const client = {
    async send(command: { input: { FunctionName: string; Payload: Uint8Array } }) {
      const event = JSON.parse(new TextDecoder().decode(command.input.Payload));
      sent.push({ FunctionName: command.input.FunctionName, event });
      return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(answer(event))) };
    },
  } as unknown as LambdaClient;
  return { client, sent };
}

const response = (requestId: string, result: unknown) => ({ kind: 'Response', requestId, seq: 1, stack: [], replyTo: { channel: 'lambda', id: 'c' }, result });

describe('lambdaTransport getState', () => {
  it('sends a GetState event to the function and reads the state, undefined when absent', async () => {
    const { client, sent } = fakeClient((e) =>
      (e.target as { key: string }).key === 'ann' ? response(e.requestId, { ok: { balance: 5 } }) : response(e.requestId, { error: { type: 'EntityNotFound', message: 'no', code: 'EntityNotFound' } }),
    );
    const transport = lambdaTransport({ functionName: 'bank', client });
    const signal = new AbortController().signal;
    expect(await transport.getState!('User', 'ann', { signal })).toEqual({ balance: 5 });
    expect(await transport.getState!('User', 'bob', { signal })).toBeUndefined();
    expect(sent[0]).toMatchObject({ FunctionName: 'bank', event: { kind: 'GetState', target: { entity: 'User', key: 'ann' } } });
  });

  it('throws the remote error for other failures', async () => {
    const { client } = fakeClient((e) => response(e.requestId, { error: { type: 'Internal', message: 'store down', code: 'Internal' } }));
    const transport = lambdaTransport({ functionName: () => 'per-entity', client });
    await expect(transport.getState!('User', 'ann', { signal: new AbortController().signal })).rejects.toBeInstanceOf(RemoteError);
  });
});
