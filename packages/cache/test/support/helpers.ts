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
