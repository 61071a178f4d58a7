import { describe, expect, it } from 'vitest';
import type { InvokeEvent } from '@stateflow/ir';
import { callFingerprint } from '../src/call-fingerprint.js';

function invoke(key: string, method: string, args: unknown[], kwargs: Record<string, unknown>): InvokeEvent {
  return {
    kind: 'Invoke',
    requestId: 'key:k',
    seq: 0,
    stack: [],
    replyTo: { channel: 'local', id: 'test' },
    target: { entity: 'Counter', key },
    method,
    args: args as InvokeEvent['args'],
    kwargs: kwargs as InvokeEvent['kwargs'],
  };
}

describe('callFingerprint', () => {
  it('is the same for the same call, whatever the order of keyword arguments', () => {
    const a = callFingerprint(invoke('a', 'add', [1], { x: 1, y: { q: [1, 2], p: null } }));
    const b = callFingerprint(invoke('a', 'add', [1], { y: { p: null, q: [1, 2] }, x: 1 }));
    expect(a).toBe(b);
  });

  it('differs when the key, the method or an argument differs', () => {
    const base = callFingerprint(invoke('a', 'add', [1], {}));
    expect(callFingerprint(invoke('b', 'add', [1], {}))).not.toBe(base);
    expect(callFingerprint(invoke('a', 'sub', [1], {}))).not.toBe(base);
    expect(callFingerprint(invoke('a', 'add', [2], {}))).not.toBe(base);
    expect(callFingerprint(invoke('a', 'add', ['1'], {}))).not.toBe(base);
    expect(callFingerprint(invoke('a', 'add', [], { amount: 1 }))).not.toBe(base);
  });
});
