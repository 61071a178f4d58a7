/**
 * `@stateflow/client/kafka`: the Kafka transport (loads kafkajs only when imported).
 *
 * @module @stateflow/client/kafka
 */
export { kafkaTransport, requestRecordKey } from './transports/kafka.js';
export type { KafkaTransport, KafkaTransportOptions } from './transports/kafka.js';
export type { Transport, TransportRequest, SendContext, EncodedArgs } from './transport.js';
