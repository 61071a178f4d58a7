import type { EncodedValue, EntityState, Result } from '@stateflow/ir';
import type { SendContext, Transport, TransportRequest } from '../transport.js';

/** Options the client passes to an embedded runtime's `create`/`invoke`. */
export interface EmbeddedCallOptions {
  /** The idempotency key of the call (the same for every retry). */
  requestId?: string;
}

/**
 * What the client needs from an embedded runtime: `LocalRuntime` of
 * `@stateflow/runtime-local` satisfies it (the client does not import the runtime).
 */
export interface EmbeddedRuntime {
  create(entity: string, args: EncodedValue[], kwargs: { [name: string]: EncodedValue }, options?: EmbeddedCallOptions): Promise<Result>;
  invoke(
    entity: string,
    key: string,
    method: string,
    args: EncodedValue[],
    kwargs: { [name: string]: EncodedValue },
    options?: EmbeddedCallOptions,
  ): Promise<Result>;
  getState(entity: string, key: string): EntityState | undefined;
}

/**
 * A transport that calls an embedded runtime in this process: no serialisation, no
 * network. The request id is passed as `options.requestId` (runtimes that deduplicate
 * use it as the idempotency key; others ignore the extra argument).
 *
 * @example
 * const runtime = await LocalRuntime.start(program, { host });
 * const shop = createShopClient(inProcessTransport(runtime));
 */
export function inProcessTransport(runtime: EmbeddedRuntime): Transport {
  return {
    name: 'in-process',
    send(request: TransportRequest, context: SendContext): Promise<Result> {
      const options = { requestId: context.requestId };
      if (request.kind === 'create') return runtime.create(request.entity, request.args, request.kwargs, options);
      return runtime.invoke(request.entity, request.key, request.method, request.args, request.kwargs, options);
    },
    getState(entity: string, key: string): Promise<EntityState | undefined> {
      return Promise.resolve(runtime.getState(entity, key));
    },
  };
}
