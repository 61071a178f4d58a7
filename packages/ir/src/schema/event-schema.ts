import { JSON_SCHEMA_DIALECT, kindObject, kindUnion, ref, type JsonSchema } from './json-schema.js';

const name: JsonSchema = { type: 'string', minLength: 1 };
const args: JsonSchema = { type: 'array', items: ref('EncodedValue') };
const kwargs: JsonSchema = { type: 'object', additionalProperties: ref('EncodedValue') };

const base: { [name: string]: JsonSchema } = {
  requestId: { ...name, description: 'Id of the client request; constant along the call chain.' },
  seq: { type: 'integer', minimum: 0, description: 'Hop sequence number within the request.' },
  stack: { type: 'array', items: ref('Frame'), description: 'Frames waiting for results, innermost last.' },
  replyTo: ref('ReplyAddress'),
};
const baseRequired = ['requestId', 'seq', 'stack', 'replyTo'];

/**
 * JSON Schema (draft-07) of one {@link Event} of the envelope, discriminated by `kind`
 * (unknown kinds are rejected). User values are any JSON ({@link EncodedValue}); the
 * tags inside them are not checked here.
 */
export const eventSchema: JsonSchema = {
  $schema: JSON_SCHEMA_DIALECT,
  $id: 'urn:stateflow:schema:event',
  title: 'StateFlow event',
  $ref: '#/definitions/Event',
  definitions: {
    Event: kindUnion({
      Invoke: 'InvokeEvent',
      Read: 'ReadEvent',
      Construct: 'ConstructEvent',
      Insert: 'InsertEvent',
      Reply: 'ReplyEvent',
      Response: 'ResponseEvent',
    }),
    InvokeEvent: kindObject(
      'Invoke',
      'Calls `method` on an entity.',
      { ...base, target: ref('EntityAddress'), method: name, args, kwargs },
      [...baseRequired, 'target', 'method', 'args', 'kwargs'],
    ),
    ReadEvent: kindObject(
      'Read',
      'Reads a state field of an entity.',
      { ...base, target: ref('EntityAddress'), attr: name },
      [...baseRequired, 'target', 'attr'],
    ),
    ConstructEvent: kindObject(
      'Construct',
      "Runs an entity class's `__init__` where no key is known yet.",
      { ...base, entity: name, args, kwargs },
      [...baseRequired, 'entity', 'args', 'kwargs'],
    ),
    InsertEvent: kindObject(
      'Insert',
      'Stores a new instance at its key unless one exists.',
      { ...base, target: ref('EntityAddress'), state: ref('EntityState') },
      [...baseRequired, 'target', 'state'],
    ),
    ReplyEvent: kindObject(
      'Reply',
      'Delivers a result to the frame waiting for it.',
      { ...base, target: ref('EntityAddress'), frame: ref('Frame'), result: ref('Result') },
      [...baseRequired, 'target', 'frame', 'result'],
    ),
    ResponseEvent: kindObject(
      'Response',
      'The final result for the client at `replyTo`.',
      {
        ...base,
        result: ref('Result'),
        origin: {
          ...ref('EntityAddress'),
          description:
            'Since IR 0.2.1: the instance the request started at, when the answer was produced at another one (detached blocks).',
        },
      },
      [...baseRequired, 'result'],
    ),
    EntityAddress: {
      type: 'object',
      required: ['entity', 'key'],
      properties: { entity: name, key: { type: 'string' } },
    },
    ReplyAddress: {
      type: 'object',
      required: ['channel', 'id'],
      properties: { channel: name, id: { type: 'string' } },
    },
    Frame: {
      description: 'A method activation waiting for a remote result.',
      type: 'object',
      required: ['entity', 'key', 'method', 'resume', 'resultVar', 'env'],
      properties: {
        entity: name,
        key: { type: 'string' },
        method: name,
        resume: name,
        resultVar: name,
        env: { type: 'object', additionalProperties: ref('EncodedValue') },
      },
    },
    Result: {
      description: 'Exactly one of `ok` (an encoded value) or `error`.',
      type: 'object',
      minProperties: 1,
      maxProperties: 1,
      properties: { ok: ref('EncodedValue'), error: ref('ErrorValue') },
      additionalProperties: false,
    },
    ErrorValue: {
      type: 'object',
      required: ['type', 'message'],
      properties: {
        type: name,
        message: { type: 'string' },
        code: {
          enum: [
            'EntityNotFound',
            'EntityExists',
            'UnknownEntity',
            'UnknownMethod',
            'UnknownAttribute',
            'BadArguments',
            'EncodingError',
            'Internal',
            'IdempotencyKeyReused',
            'RequestExpired',
            'Unavailable',
          ],
        },
      },
    },
    EntityState: { type: 'object', additionalProperties: ref('EncodedValue') },
    EncodedValue: { description: 'Any JSON value, in the portable value encoding.' },
  },
};
