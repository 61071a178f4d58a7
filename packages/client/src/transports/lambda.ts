import type { ConstructEvent, EntityState, InvokeEvent, Result } from '@stateflow/ir';
import { InvokeCommand, LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { remoteErrorOf, TransportError } from '../errors.js';
import { buildRequestEvent, parseResponseEvent } from '../events.js';
import type { SendContext, Transport, TransportRequest } from '../transport.js';

/** Options of {@link lambdaTransport}. */
export interface LambdaTransportOptions {
  /** The function to invoke: a name or ARN, or one chosen per request (e.g. one function per entity). */
  functionName: string | ((request: TransportRequest) => string);
  /** Endpoint override, e.g. a local Lambda emulator. */
  endpoint?: string;
  /** @default process.env.AWS_REGION, else 'us-east-1' */
  region?: string;
  /** Any other `LambdaClient` configuration (credentials, retries of the SDK, ...). */
  clientConfig?: LambdaClientConfig;
  /** A configured client; built from the options above when absent. */
  client?: LambdaClient;
  /**
   * `replyTo.id` of the events.
   * @default 'stateflow-client-' + a random UUID
   */
  clientId?: string;
}

/** The `InvokeCommand` input for one request: the function and the event JSON as payload. */
export interface LambdaInvocation {
  FunctionName: string;
  InvocationType: 'RequestResponse';
  Payload: Uint8Array;
}

/**
 * Builds the synchronous Lambda invocation of one request: the payload is the
 * `Invoke`/`Construct` event as JSON, `replyTo = {channel: 'lambda', id: clientId}`.
 */
export function buildLambdaInvocation(
  request: TransportRequest,
  requestId: string,
  functionName: LambdaTransportOptions['functionName'],
  clientId: string,
): { input: LambdaInvocation; event: InvokeEvent | ConstructEvent } {
  const event = buildRequestEvent(request, requestId, { channel: 'lambda', id: clientId });
  const name = typeof functionName === 'function' ? functionName(request) : functionName;
  return {
    event,
    input: { FunctionName: name, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(event)) },
  };
}

/**
 * Reads the result of a Lambda invocation: the payload is a `Response` event. A
 * `FunctionError` (the function crashed or timed out) is a retryable `TransportError`.
 */
export function readLambdaResponse(output: { FunctionError?: string; Payload?: Uint8Array; StatusCode?: number }, functionName: string): Result {
  const text = output.Payload ? new TextDecoder().decode(output.Payload) : '';
  if (output.FunctionError) {
    throw new TransportError(`lambda ${functionName}: ${output.FunctionError} error: ${text.slice(0, 500)}`, true);
  }
  return parseResponseEvent(text, `lambda ${functionName}`).result;
}

/** Lambda error names worth retrying. */
const RETRYABLE = new Set(['TooManyRequestsException', 'ServiceException', 'EC2ThrottledException', 'ResourceNotReadyException', 'TimeoutError']);

/**
 * A transport that invokes an AWS Lambda function synchronously (`InvokeCommand`,
 * `RequestResponse`) per call, with the request event as payload and the `Response`
 * event as result. Throttling and service errors are retryable. `getState` sends a
 * `GetState` event (answered by `@stateflow/backend-lambda` functions).
 */
export function lambdaTransport(options: LambdaTransportOptions): Transport {
  const clientId = options.clientId ?? `stateflow-client-${crypto.randomUUID()}`;
  const lambda =
    options.client ??
    new LambdaClient({
      region: options.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      ...options.clientConfig,
    });
  const invoke = async (input: LambdaInvocation, signal: AbortSignal): Promise<Result> => {
    let output;
    try {
      output = await lambda.send(new InvokeCommand(input), { abortSignal: signal });
    } catch (err) {
      if (signal.aborted) throw err;
      const name = (err as Error).name;
      throw new TransportError(`lambda ${input.FunctionName}: ${name}: ${(err as Error).message}`, RETRYABLE.has(name) || name === 'NetworkingError', { cause: err });
    }
    return readLambdaResponse(output, input.FunctionName);
  };
  return {
    name: 'lambda',
    send(request: TransportRequest, context: SendContext): Promise<Result> {
      const { input } = buildLambdaInvocation(request, context.requestId, options.functionName, clientId);
      return invoke(input, context.signal);
    },
    /** Reads an instance's state with a `GetState` event (an extension the StateFlow Lambda backend answers). */
    async getState(entity: string, key: string, context: { signal: AbortSignal }): Promise<EntityState | undefined> {
      const lookup: TransportRequest = { kind: 'invoke', entity, key, method: '__getstate__', args: [], kwargs: {} };
      const name = typeof options.functionName === 'function' ? options.functionName(lookup) : options.functionName;
      const event = { kind: 'GetState', requestId: `getstate-${crypto.randomUUID()}`, seq: 0, stack: [], replyTo: { channel: 'lambda', id: clientId }, target: { entity, key } };
      const input: LambdaInvocation = { FunctionName: name, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(event)) };
      const result = await invoke(input, context.signal);
      if ('ok' in result) return result.ok as EntityState;
      if (result.error.code === 'EntityNotFound') return undefined;
      throw remoteErrorOf(result.error);
    },
    async close(): Promise<void> {
      if (!options.client) lambda.destroy();
    },
  };
}
