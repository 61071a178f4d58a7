import { describe, expect, it } from 'vitest';
import { httpStatusOf } from '../src/http/status.js';

describe('httpStatusOf', () => {
  it('maps each system error code and user exceptions to a status', () => {
    const cases: Array<[string | undefined, number]> = [
      [undefined, 422],
      ['EntityNotFound', 404],
      ['UnknownEntity', 404],
      ['EntityExists', 409],
      ['UnknownMethod', 400],
      ['BadArguments', 400],
      ['UnknownAttribute', 400],
      ['EncodingError', 422],
      ['Internal', 500],
      ['IdempotencyKeyReused', 422],
      ['Unavailable', 503],
      ['RequestExpired', 422],
    ];
    for (const [code, status] of cases) {
      const error = { type: code ?? 'ValueError', message: 'm', ...(code ? { code: code as never } : {}) };
      expect(httpStatusOf(error), String(code)).toBe(status);
    }
  });
});
