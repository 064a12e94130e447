import { type Kv, ResultAsync } from '@keel/core';
import { kvOperationNames } from '@keel/core/adapter';

/**
 * The same kv, counting the calls still in flight, so that a test can wait until the cache has
 * nothing left to do but wait on a timer or a load (`idle()`). Every call runs on the real kv.
 */
export function countingKv(kv: Kv): { kv: Kv; idle(): Promise<void> } {
  let inFlight = 0;
  const wrapped: Record<string, unknown> = { ...kv };
  for (const name of kvOperationNames) {
    const op = kv[name] as (...args: unknown[]) => ResultAsync<unknown, unknown>;
    wrapped[name] = (...args: unknown[]) => {
      inFlight++;
      const done = op(...args);
      return new ResultAsync(
        (async () => {
          try {
            return await done;
          } finally {
            inFlight--;
          }
        })(),
      );
    };
  }
  return {
    kv: wrapped as unknown as Kv,
    async idle() {
      // Two quiet turns in a row: a call's continuation may issue the next call.
      for (let quiet = 0; quiet < 2; ) {
        await new Promise((resolve) => setImmediate(resolve));
        quiet = inFlight === 0 ? quiet + 1 : 0;
      }
    },
  };
}
