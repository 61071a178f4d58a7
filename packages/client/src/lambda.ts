/**
 * `@stateflow/client/lambda`: the AWS Lambda transport (loads the AWS SDK only when imported).
 *
 * @module @stateflow/client/lambda
 */
export { lambdaTransport, buildLambdaInvocation, readLambdaResponse } from './transports/lambda.js';
export type { LambdaTransportOptions, LambdaInvocation } from './transports/lambda.js';
export type { Transport, TransportRequest, SendContext, EncodedArgs } from './transport.js';
