import { describe, expect, it } from 'vitest';
import { validateClientAccess, type ClientAccess } from '../../dist/index.js';

const errorsOf = (value: unknown) => {
  const result = validateClientAccess(value);
  return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
};

describe('validateClientAccess', () => {
  it('accepts the kafka and lambda kinds', () => {
    const ok: ClientAccess[] = [
      { transport: 'kafka', brokers: ['127.0.0.1:19092'], requestTopic: 'in', replyTopic: 'out' },
      { transport: 'lambda', endpoint: 'http://127.0.0.1:9001', functionName: 'bank', region: 'us-east-1', unsigned: true },
      { transport: 'lambda', functionName: 'bank' },
    ];
    expect(ok.map((access) => validateClientAccess(access))).toEqual(ok.map((access) => ({ ok: true, access })));
  });

  it('rejects an unknown transport, naming it', () => {
    expect(errorsOf({ transport: 'carrier-pigeon' })).toHaveLength(1);
    expect(errorsOf({ transport: 'carrier-pigeon' })[0]).toMatch(/^\/transport: /);
    expect(errorsOf({})).toHaveLength(1);
  });

  it('checks a lambda access against its own kind only', () => {
    expect(errorsOf({ transport: 'lambda', endpoint: 'http://127.0.0.1:9001' }).join('\n')).toMatch(/functionName/);
    expect(errorsOf({ transport: 'lambda', functionName: 'bank', endpoint: '127.0.0.1:9001' })[0]).toMatch(/^\/endpoint: /);
    expect(errorsOf({ transport: 'lambda', functionName: '' })[0]).toMatch(/^\/functionName: /);
    expect(errorsOf({ transport: 'lambda', functionName: 'bank', requestTopic: 'in' }).join('\n')).toMatch(/requestTopic/);
  });

  it('still checks the kafka kind', () => {
    expect(errorsOf({ transport: 'kafka', brokers: [], requestTopic: 'in', replyTopic: 'out' })[0]).toMatch(/^\/brokers: /);
  });
});
