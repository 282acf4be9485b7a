import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../src/async-queue.js';
import { withDeadline } from '../src/deadline.js';

describe('withDeadline', () => {
  it('returns the result of a call that finishes in time', async () => {
    await expect(withDeadline('p', 1000, undefined, async () => 42)).resolves.toBe(42);
  });

  it('rejects with provider_timeout and aborts the provider when time runs out', async () => {
    let seen: AbortSignal | undefined;
    const call = withDeadline('slow-tts', 20, undefined, (signal) => {
      seen = signal;
      return new Promise(() => {});
    });
    await expect(call).rejects.toMatchObject({ code: 'provider_timeout', message: /slow-tts/ });
    expect(seen?.aborted).toBe(true);
  });

  it('rejects with aborted when the parent aborts, and passes the abort on', async () => {
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    const call = withDeadline('llm', 10_000, parent.signal, (signal) => {
      seen = signal;
      return new Promise(() => {});
    });
    parent.abort();
    await expect(call).rejects.toMatchObject({ code: 'aborted' });
    expect(seen?.aborted).toBe(true);
  });
});

describe('AsyncQueue', () => {
  it('delivers pushed items in order, to a consumer that waits', async () => {
    const q = new AsyncQueue<number>();
    const got: number[] = [];
    const done = (async () => {
      for await (const n of q) got.push(n);
    })();
    q.push(1);
    await Promise.resolve();
    q.push(2);
    q.push(3);
    q.close();
    await done;
    expect(got).toEqual([1, 2, 3]);
  });

  it('ends the consumer with the error given to fail()', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.fail(new Error('upstream broke'));
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const n of q) got.push(n);
      })(),
    ).rejects.toThrow('upstream broke');
    expect(got).toEqual([1]);
  });
});
