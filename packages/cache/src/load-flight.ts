import { CacheError, type CacheErrorCode } from './cache-errors.js';
import type { ResolvedCacheOptions } from './cache-options.js';
import type { StatName } from './cache-stats.js';
import type { CacheStore, Lookup } from './cache-store.js';
import { encodeEntry } from './entry-codec.js';
import { type LoadOutcome, runLoad } from './run-load.js';
import type { FlightWatch } from './single-flight.js';
import { NotEncodable } from './value-codec.js';
import { waitForLease } from './wait-for-lease.js';

/** What a flight needs from its cache. */
export interface FlightContext {
  readonly store: CacheStore;
  readonly options: ResolvedCacheOptions;
  count(stat: StatName): void;
  /** Counts an absorbed failure under `stat` and hands it to `onError`. */
  report(stat: StatName, code: CacheErrorCode, key: string, cause: unknown): void;
}

/** One `getOrSet` lookup, shared by every caller in the process that asks for the key meanwhile. */
export interface FlightRequest {
  readonly key: string;
  readonly tags: readonly string[];
  readonly load: () => unknown;
  readonly ttlMs: number;
  readonly negativeTtlMs: number;
  /** Told before each read that decides the value; says whether a late joiner needs one more. */
  readonly watch: FlightWatch;
}

/** How many times a flight reads the entry again for callers who joined after its last read. */
const MAX_RECHECKS = 2;

/**
 * How a flight ended. `freshForJoiners` is false when callers that joined it may not get its value:
 * it may predate an invalidation (from any process) that completed before they joined, so they
 * look again.
 */
export type FlightOutcome =
  | { readonly ok: true; readonly value: unknown; readonly freshForJoiners: boolean }
  | { readonly ok: false; readonly error: unknown; readonly freshForJoiners: boolean };

/**
 * The pipeline of one flight: look up → (miss) take the kv lease or wait for the holder's value →
 * load → write with compare-and-swap against what was read before the load → give the lease back.
 */
export async function runFlight(ctx: FlightContext, req: FlightRequest): Promise<FlightOutcome> {
  return vouchForJoiners(ctx, req, await decide(ctx, req));
}

async function decide(ctx: FlightContext, req: FlightRequest): Promise<FlightOutcome> {
  req.watch.checking();
  const first = await ctx.store.lookup(req.key, req.tags);
  if (first.isErr()) {
    ctx.report('readErrors', 'READ_FAILED', req.key, first.error);
    return loadWithoutCache(ctx, req);
  }
  if (first.value.verdict === 'hit') {
    ctx.count('hits');
    return { ok: true, value: first.value.value, freshForJoiners: true };
  }
  countMiss(ctx, req.key, first.value);
  if (ctx.options.leaseMs === 0) return loadAndWrite(ctx, req, first.value);
  const leased = await waitForLease(ctx, req, first.value);
  if (leased.kind === 'hit') return { ok: true, value: leased.value, freshForJoiners: true };
  try {
    return await loadAndWrite(ctx, req, leased.lookup);
  } finally {
    if (leased.token !== undefined) await ctx.store.releaseLease(req.key, leased.token);
  }
}

async function loadAndWrite(ctx: FlightContext, req: FlightRequest, before: Lookup): Promise<FlightOutcome> {
  const versions = await ctx.store.ensureVersions(req.tags, before.versions);
  if (versions.isErr()) {
    ctx.report('writeErrors', 'WRITE_FAILED', req.key, versions.error);
    return loadWithoutCache(ctx, req);
  }
  const loaded = await countedLoad(ctx, req);
  if (!loaded.ok) return { ok: false, error: loaded.error, freshForJoiners: true };
  let text: string;
  try {
    text = encodeEntry(loaded.value, versions.value);
  } catch (error) {
    if (!(error instanceof NotEncodable)) throw error;
    const message = `the value loaded for '${req.key}' cannot be cached: ${error.message}`;
    return {
      ok: false,
      error: new CacheError({ code: 'NOT_ENCODABLE', message, op: 'getOrSet', key: req.key }),
      freshForJoiners: true,
    };
  }
  // An invalidation after the entry was read leaves a tombstone for `tombstoneMs`; past that it
  // may be forgotten, and the compare-and-swap could not tell: don't write.
  if (performance.now() - before.readAt >= ctx.options.tombstoneMs) {
    ctx.count('writesSkipped');
    return { ok: true, value: loaded.value, freshForJoiners: false };
  }
  const ttlMs = loaded.value === undefined ? req.negativeTtlMs : req.ttlMs;
  const written = await ctx.store.kv.compareAndSwap(ctx.store.entryKey(req.key), before.raw, text, { ttlMs });
  if (written.isErr()) {
    ctx.report('writeErrors', 'WRITE_FAILED', req.key, written.error);
    return { ok: true, value: loaded.value, freshForJoiners: true };
  }
  if (!written.value) {
    // The entry changed during the load: an invalidation's tombstone, or a newer value.
    ctx.count('writesSkipped');
    return { ok: true, value: loaded.value, freshForJoiners: false };
  }
  return { ok: true, value: loaded.value, freshForJoiners: true };
}

/**
 * A caller who joined after the flight's last read may have seen an invalidation complete since
 * (in another process: nothing detached the flight). Its value is the flight's only if a read
 * sent after it joined still finds an entry valid under the tags; else it looks again.
 */
async function vouchForJoiners(ctx: FlightContext, req: FlightRequest, outcome: FlightOutcome): Promise<FlightOutcome> {
  for (let round = 0; outcome.ok && outcome.freshForJoiners && req.watch.uncovered(); round++) {
    if (round === MAX_RECHECKS) return { ...outcome, freshForJoiners: false };
    req.watch.checking();
    const again = await ctx.store.lookup(req.key, req.tags);
    if (again.isErr() || again.value.verdict !== 'hit') return { ...outcome, freshForJoiners: false };
    outcome = { ok: true, value: again.value.value, freshForJoiners: true };
  }
  return outcome;
}

/** The kv failed: the source answers, nothing is written, nothing stale can be served. */
async function loadWithoutCache(ctx: FlightContext, req: FlightRequest): Promise<FlightOutcome> {
  const loaded = await countedLoad(ctx, req);
  return loaded.ok
    ? { ok: true, value: loaded.value, freshForJoiners: true }
    : { ok: false, error: loaded.error, freshForJoiners: true };
}

async function countedLoad(ctx: FlightContext, req: FlightRequest): Promise<LoadOutcome> {
  ctx.count('loads');
  const loaded = await runLoad(req.key, req.load);
  if (!loaded.ok) ctx.count('loadErrors');
  return loaded;
}

function countMiss(ctx: FlightContext, key: string, lookup: Lookup): void {
  ctx.count('misses');
  if (lookup.verdict === 'stale') ctx.count('stale');
  if (lookup.verdict === 'corrupt') ctx.report('readErrors', 'CORRUPT_ENTRY', key, undefined);
}
