import { describe, expect, it } from 'vitest';
import type { InvokeEvent } from '@stateflow/ir';
import { Mailboxes } from '../src/mailboxes.js';
import { addressId } from '../src/state-store.js';

function invoke(key: string, n: number): InvokeEvent {
  return {
    kind: 'Invoke',
    requestId: `r${key}${n}`,
    seq: 0,
    stack: [],
    replyTo: { channel: 'local', id: 'test' },
    target: { entity: 'Counter', key },
    method: 'add',
    args: [n],
    kwargs: {},
  };
}

const argsOf = (events: unknown[]) => events.map((e) => (e as InvokeEvent).args[0]);

describe('Mailboxes', () => {
  it('counts the events take would hand out, up to a cap', () => {
    const boxes = new Mailboxes();
    for (const [key, n] of [['a', 1], ['a', 2], ['a', 3], ['b', 4], ['c', 5]] as const) boxes.enqueue(invoke(key, n));
    expect(boxes.readyCount(100)).toBe(3);
    expect(boxes.readyCount(100, 2)).toBe(4);
    expect(boxes.readyCount(2, 2)).toBe(2);
    const taken = boxes.take(1);
    expect(argsOf(taken.events)).toEqual([1]);
    // 'a' is busy now: only b and c are ready.
    expect(boxes.readyCount(100, 32)).toBe(2);
    expect(boxes.take(100, 32).events).toHaveLength(2);
  });

  it('hands out one event per instance per take, in arrival order', () => {
    const boxes = new Mailboxes();
    boxes.enqueue(invoke('a', 1));
    boxes.enqueue(invoke('a', 2));
    boxes.enqueue(invoke('b', 3));
    boxes.enqueue(invoke('a', 4));
    const first = boxes.take(100);
    expect(argsOf(first.events)).toEqual([1, 3]);
    // Both instances are busy until released.
    expect(boxes.take(100).events).toEqual([]);
    boxes.releaseInstances([first.instances[0]!]);
    expect(argsOf(boxes.take(100).events)).toEqual([2]);
    expect(boxes.pending).toBe(1);
  });

  it('hands out up to perInstance events of an instance, next to each other, in arrival order', () => {
    const boxes = new Mailboxes();
    for (const [key, n] of [['a', 1], ['b', 2], ['a', 3], ['a', 4], ['b', 5], ['a', 6]] as const) boxes.enqueue(invoke(key, n));
    const first = boxes.take(100, 3);
    expect(argsOf(first.events)).toEqual([1, 3, 4, 2, 5]);
    expect(boxes.take(100, 3).events).toEqual([]);
    boxes.releaseInstances(first.instances);
    expect(argsOf(boxes.take(100, 3).events)).toEqual([6]);
    expect(boxes.pending).toBe(0);
  });

  it('never exceeds the batch limit when taking several events per instance', () => {
    const boxes = new Mailboxes();
    for (let n = 0; n < 5; n++) boxes.enqueue(invoke('a', n));
    boxes.enqueue(invoke('b', 9));
    expect(argsOf(boxes.take(3, 10).events)).toEqual([0, 1, 2]);
    expect(boxes.pending).toBe(3);
  });

  it('take returns the instances it marked busy, and releaseInstances frees them', () => {
    const boxes = new Mailboxes();
    for (const [key, n] of [['a', 1], ['b', 2], ['a', 3], ['a', 4]] as const) boxes.enqueue(invoke(key, n));
    const { events, instances } = boxes.take(100, 2);
    expect(argsOf(events)).toEqual([1, 3, 2]);
    expect(instances).toEqual([addressId({ entity: 'Counter', key: 'a' }), addressId({ entity: 'Counter', key: 'b' })]);
    expect(boxes.take(100, 2).events).toEqual([]);
    boxes.releaseInstances(instances);
    expect(boxes.isBusy({ entity: 'Counter', key: 'a' })).toBe(false);
    expect(argsOf(boxes.take(100, 2).events)).toEqual([4]);
  });

  it('keeps an instance busy until its event is released', () => {
    const boxes = new Mailboxes();
    boxes.enqueue(invoke('a', 1));
    const taken = boxes.take(10);
    expect(boxes.isBusy({ entity: 'Counter', key: 'a' })).toBe(true);
    boxes.enqueue(invoke('a', 2));
    expect(boxes.take(10).events).toEqual([]);
    boxes.releaseInstances(taken.instances);
    expect(boxes.isBusy({ entity: 'Counter', key: 'a' })).toBe(false);
    expect(argsOf(boxes.take(10).events)).toEqual([2]);
  });

  it('respects the batch size limit', () => {
    const boxes = new Mailboxes();
    for (const key of ['a', 'b', 'c']) boxes.enqueue(invoke(key, 0));
    expect(boxes.take(2).events).toHaveLength(2);
    expect(boxes.take(2).events).toHaveLength(1);
  });

  it('hands out keyless Construct events without marking anything busy', () => {
    const boxes = new Mailboxes();
    const construct = {
      kind: 'Construct' as const,
      requestId: 'c',
      seq: 0,
      stack: [],
      replyTo: { channel: 'local', id: 'test' },
      entity: 'Counter',
      args: ['a'],
      kwargs: {},
    };
    boxes.enqueue(construct);
    boxes.enqueue({ ...construct, requestId: 'd' });
    expect(boxes.take(10).events.map((e) => e.requestId)).toEqual(['c', 'd']);
  });

  it('keys that differ only in entity class are different instances', () => {
    const boxes = new Mailboxes();
    boxes.enqueue(invoke('a', 1));
    boxes.enqueue({ ...invoke('a', 2), target: { entity: 'Other', key: 'a' } });
    expect(boxes.take(10).events).toHaveLength(2);
  });
});
