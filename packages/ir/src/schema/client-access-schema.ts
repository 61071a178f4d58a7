import { JSON_SCHEMA_DIALECT, type JsonSchema } from './json-schema.js';

const name: JsonSchema = { type: 'string', minLength: 1 };

/** A `transport` variant: its constant name and required properties, nothing else. */
function variant(transport: string, description: string, properties: { [name: string]: JsonSchema }, required: string[]): JsonSchema {
  return {
    description,
    type: 'object',
    required: ['transport', ...required],
    additionalProperties: false,
    properties: { transport: { const: transport }, ...properties },
  };
}

const variants: { [transport: string]: JsonSchema } = {
  kafka: variant(
    'kafka',
    "Requests to a Kafka topic, replies on another (the client's `kafkaTransport`).",
    {
      brokers: { type: 'array', items: name, minItems: 1, description: 'Bootstrap brokers, e.g. `127.0.0.1:19092`.' },
      requestTopic: { ...name, description: 'Topic the engine reads requests from.' },
      replyTopic: { ...name, description: 'Topic the engine writes the replies of these clients to.' },
    },
    ['brokers', 'requestTopic', 'replyTopic'],
  ),
  lambda: variant(
    'lambda',
    "One synchronous invocation of a function per request, through the Lambda Invoke API (the client's `lambdaTransport`).",
    {
      endpoint: { type: 'string', pattern: '^https?://[^\\s]+$', description: 'Base URL of the Invoke API, e.g. `http://127.0.0.1:9001` (absent: AWS itself).' },
      functionName: { ...name, description: 'The function to invoke.' },
      region: { ...name, description: 'AWS region of the function.' },
      unsigned: { type: 'boolean', description: 'The endpoint checks no signatures (a local emulator): clients sign with placeholder credentials.' },
    },
    ['functionName'],
  ),
};

/**
 * JSON Schema (draft-07) of a {@link ClientAccess}: how clients reach a running
 * deployment, discriminated by `transport` (unknown transports are rejected).
 */
export const clientAccessSchema: JsonSchema = {
  $schema: JSON_SCHEMA_DIALECT,
  $id: 'urn:stateflow:schema:client-access',
  title: 'StateFlow client access',
  type: 'object',
  required: ['transport'],
  properties: { transport: { enum: Object.keys(variants) } },
  allOf: Object.entries(variants).map(([transport, schema]) => ({
    if: { properties: { transport: { const: transport } }, required: ['transport'] },
    then: schema,
  })),
};
