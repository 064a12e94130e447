import { type Kv, ResultAsync } from '@keel/core';
import { expect } from 'vitest';

/** A promise resolved from outside: a load that finishes when the test says so. */
export function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, looking every 10 ms; fails the test after `limitMs`. */
export async function until(check: () => Promise<boolean> | boolean, limitMs = 5000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) expect.fail(`condition not met within ${limitMs} ms`);
    await sleep(10);
  }
}

/** A source of versioned values and a loader that counts its calls. */
export function counted<T>(value: () => T): { load: () => Promise<T>; calls: () => number } {
  let calls = 0;
  return {
    load: async () => {
      calls++;
      return value();
    },
    calls: () => calls,
  };
}

/**
 * The same kv, with its compare-and-swap calls on keys that `hold` picks paused until `open()`:
 * lets a test put one process's step between two of another's. Every call still runs on the real kv.
 */
export function pausing(kv: Kv, hold: (key: string) => boolean): { kv: Kv; open(): void; paused(): number } {
  const gate = deferred<void>();
  let paused = 0;
  // A copy of the (frozen) kv object with one method wrapped.
  const proxy: Kv = {
    ...kv,
    compareAndSwap(...args: Parameters<Kv['compareAndSwap']>) {
      if (!hold(args[0])) return kv.compareAndSwap(...args);
      paused++;
      return new ResultAsync(gate.promise.then(() => kv.compareAndSwap(...args)));
    },
  };
  return { kv: proxy, open: () => gate.resolve(), paused: () => paused };
}
