import type { IncomingMessage } from 'node:http';
import { callShapeProblem, parseJsonExact } from '@stateflow/ir';
import { HttpError } from './http-error.js';

/** Default largest accepted request body (1 MiB). */
export const MAX_BODY_BYTES = 1024 * 1024;

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'PayloadTooLarge', `request body is larger than ${limit} bytes (the server's limit)`, {
    Connection: 'close',
  });
}

/** Reads the whole request body as UTF-8, failing with 413 past `limit` bytes (checked on `Content-Length` first). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(buf);
  }
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
}

/**
 * The arguments of a create or invoke call, as sent: the runtime checks and encodes
 * them (`encodeCallArguments` of `@stateflow/ir`) before the call reaches a batch.
 */
export interface CallBody {
  args: unknown[];
  kwargs: { [name: string]: unknown };
}

const USAGE = 'send a JSON object like {"args": [1, "x"], "kwargs": {"name": "value"}} (both fields optional)';

/**
 * Parses a call body: `{"args"?: [...], "kwargs"?: {...}}`; an empty body means no
 * arguments. Integer literals beyond 2^53 keep their exact value (as `{"$int": ...}`).
 *
 * What is not a call at all (not JSON, not an object, an unknown field) is `BadRequest`.
 * A call whose `args`/`kwargs` have the wrong shape is `BadArguments`, with the message
 * every backend gives (`callShapeProblem` of `@stateflow/ir`, the rule of
 * `encodeCallArguments`); the values themselves are checked by the runtime.
 */
export function parseCallBody(text: string): CallBody {
  if (text.trim() === '') return { args: [], kwargs: {} };
  let parsed: unknown;
  try {
    parsed = parseJsonExact(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new HttpError(400, 'BadRequest', `request body is not valid JSON (${reason}); ${USAGE}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'BadRequest', `request body must be a JSON object; ${USAGE}`);
  }
  const body = parsed as { [key: string]: unknown };
  const unknown = Object.keys(body).filter((k) => k !== 'args' && k !== 'kwargs');
  if (unknown.length > 0) {
    throw new HttpError(400, 'BadRequest', `unknown field ${unknown.map((k) => `'${k}'`).join(', ')} in request body; ${USAGE}`);
  }
  const { args = [], kwargs = {} } = body;
  const problem = callShapeProblem(args, kwargs);
  if (problem !== undefined) throw new HttpError(400, 'BadArguments', problem);
  return { args: args as unknown[], kwargs: kwargs as { [name: string]: unknown } };
}
