import { ResultAsync, type Result } from '@keel/core';
import type { Kv, KvOperations } from '@keel/core';
import { kvOperationNames } from '@keel/core/adapter';

/**
 * The `Kv` a test sees when every operation goes through `kv.sync`: each `Result` is lifted
 * into a `ResultAsync`, and lifecycle members stay the store's own. Running the whole suite
 * through this view proves the synchronous facet is the same contract, not a lookalike.
 */
export function kvThroughSync(kv: Kv): Kv {
  const sync = kv.sync;
  if (!sync) throw new Error(`kv adapter '${kv.adapter}' declares 'synchronous' but has no kv.sync`);
  const lifted = Object.fromEntries(
    kvOperationNames.map((name) => {
      const op = sync[name] as (...args: unknown[]) => Result<unknown, never>;
      return [name, (...args: unknown[]) => new ResultAsync(Promise.resolve(op(...args)))];
    }),
  ) as unknown as KvOperations;
  return Object.freeze({
    ...lifted,
    adapter: kv.adapter,
    capabilities: kv.capabilities,
    sync,
    open: () => kv.open(),
    close: () => kv.close(),
    health: () => kv.health(),
    [Symbol.asyncDispose]: () => kv[Symbol.asyncDispose](),
  });
}
