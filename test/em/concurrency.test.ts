import { describe, expect, it } from 'vitest';
import { AdaptiveLimiter, KeyedSerializer } from '../../src/em/concurrency.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('AdaptiveLimiter', () => {
  it('never hands out more slots than the limit and serves waiters in order', async () => {
    const limiter = new AdaptiveLimiter(2);
    const order: number[] = [];
    await limiter.acquire();
    await limiter.acquire();
    const waiting = [3, 4].map((n) => limiter.acquire().then(() => order.push(n)));
    await flush();
    expect(limiter.inFlight).toBe(2);
    expect(order).toEqual([]);
    limiter.release();
    await flush();
    expect(order).toEqual([3]);
    expect(limiter.inFlight).toBe(2);
    limiter.release();
    await Promise.all(waiting);
    expect(order).toEqual([3, 4]);
  });

  it('halves on busy once per epoch and grows back additively', () => {
    const limiter = new AdaptiveLimiter(8);
    limiter.onBusy(0);
    limiter.onBusy(0); // same congestion window: ignored
    expect(limiter.effectiveLimit).toBe(4);
    limiter.onBusy(1);
    expect(limiter.effectiveLimit).toBe(2);
    for (let i = 0; i < 4; i++) limiter.onSuccess();
    expect(limiter.effectiveLimit).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < 100; i++) limiter.onSuccess();
    expect(limiter.effectiveLimit).toBe(8);
  });

  it('never goes below one slot', () => {
    const limiter = new AdaptiveLimiter(3);
    for (let epoch = 0; epoch < 10; epoch++) limiter.onBusy(epoch);
    expect(limiter.effectiveLimit).toBe(1);
  });

  it('rejects a nonsensical maximum', () => {
    expect(() => new AdaptiveLimiter(0)).toThrow(RangeError);
  });
});

describe('KeyedSerializer', () => {
  it('runs tasks on one key in call order, even after a failure', async () => {
    const serializer = new KeyedSerializer();
    const events: string[] = [];
    const gate = deferred();
    const first = serializer.run('a', async () => {
      events.push('a1 start');
      await gate.promise;
      events.push('a1 end');
      throw new Error('a1 failed');
    });
    const second = serializer.run('a', async () => {
      events.push('a2');
      return 2;
    });
    const other = serializer.run('b', async () => {
      events.push('b1');
    });
    await other;
    expect(events).toEqual(['a1 start', 'b1']);
    gate.resolve();
    await expect(first).rejects.toThrow('a1 failed');
    await expect(second).resolves.toBe(2);
    expect(events).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
    await flush();
    expect(serializer.size).toBe(0);
  });
});
