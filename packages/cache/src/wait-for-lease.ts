import type { Lookup } from './cache-store.js';
import type { FlightContext, FlightRequest } from './load-flight.js';

/** Either the value appeared while waiting, or this flight loads (holding the lease when it got it). */
export type LeaseOutcome =
  | { readonly kind: 'hit'; readonly value: unknown }
  | { readonly kind: 'load'; readonly token: string | undefined; readonly lookup: Lookup };

/**
 * Single-flight across processes: after a miss, take the key's kv lease (compare-and-swap with a
 * TTL) and load, or — when another process holds it — poll the entry until its value appears.
 * A holder that dies loses the lease when it expires and a waiter takes it over; a wait longer
 * than `leaseWaitMs` gives up and loads without the lease.
 */
export async function waitForLease(ctx: FlightContext, req: FlightRequest, first: Lookup): Promise<LeaseOutcome> {
  const { leaseMs, leaseWaitMs, leasePollMs } = ctx.options;
  const deadline = performance.now() + leaseWaitMs;
  let latest = first;
  let waited = false;
  for (;;) {
    const acquired = await ctx.store.acquireLease(req.key, leaseMs);
    if (acquired.isErr()) {
      ctx.report('writeErrors', 'WRITE_FAILED', req.key, acquired.error);
      return { kind: 'load', token: undefined, lookup: latest };
    }
    const token = acquired.value;
    if (token !== undefined) {
      // The last holder may have written the value just before it let go: look once more.
      req.watch.checking();
      const again = await ctx.store.lookup(req.key, req.tags);
      if (again.isOk() && again.value.verdict === 'hit') {
        await ctx.store.releaseLease(req.key, token);
        return { kind: 'hit', value: again.value.value };
      }
      return { kind: 'load', token, lookup: again.isOk() ? again.value : latest };
    }
    if (!waited) ctx.count('leaseWaits');
    waited = true;
    for (;;) {
      if (performance.now() >= deadline) {
        ctx.count('leaseTimeouts');
        return { kind: 'load', token: undefined, lookup: latest };
      }
      await sleep(leasePollMs);
      req.watch.checking();
      const polled = await ctx.store.lookup(req.key, req.tags, true);
      if (polled.isErr()) {
        ctx.report('readErrors', 'READ_FAILED', req.key, polled.error);
        return { kind: 'load', token: undefined, lookup: latest };
      }
      latest = polled.value;
      if (latest.verdict === 'hit') return { kind: 'hit', value: latest.value };
      if (!latest.leased) break;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
