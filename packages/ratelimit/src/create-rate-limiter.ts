import { type Kv, type KvError, type KvSync, type KvValue, type Result, ResultAsync, err, ok } from '@keel/core';
import { parseOptions } from '@keel/core/adapter';
import { type Algorithm, type RateLimitDecision, slidingWindow, tokenBucket } from './algorithms.js';
import { type RateLimitError, rateLimitError } from './ratelimit-errors.js';
import { type RateLimitOptions, rateLimitOptions } from './ratelimit-options.js';

/** A check's kv calls, as a generator yields them: a read, or a compare-and-swap. */
type KvCall = { readonly get: string } | { readonly swap: [string, KvValue | undefined, KvValue] };
type Rounds = Generator<KvCall, Result<RateLimitDecision, RateLimitError>, Result<unknown, KvError>>;

/** A rate limiter: see `createRateLimiter`. */
export interface RateLimiter {
  /**
   * Uses `cost` units (default 1) of `key`'s allowance when there are enough: `Ok` with
   * `allowed: true`, or `allowed: false` and nothing used. `Err` only when the check itself failed.
   */
  consume(key: string, cost?: number): ResultAsync<RateLimitDecision, RateLimitError>;
  /** What `consume(key, cost)` would decide now, using nothing. */
  peek(key: string, cost?: number): ResultAsync<RateLimitDecision, RateLimitError>;
  /** Gives `key` its full allowance back. */
  reset(key: string): ResultAsync<void, RateLimitError>;
}

/**
 * A rate limiter on any Keel `kv`. Each check reads the key's state and writes the new one with
 * compare-and-swap, so the allowance is exact however many processes check the same key at
 * once: a lost race is read and decided again, never double-spent. In one process, checks of
 * one key take turns, so they do not race each other at all. A refusal writes nothing.
 *
 * @example
 * const perUser = createRateLimiter(keel.kv, { limit: 30, intervalMs: 60_000 });
 * const checked = (await perUser.consume(`user:${userId}`))._unsafeUnwrap();
 * if (!checked.allowed) return reply(429, rateLimitHeaders(checked));
 */
export function createRateLimiter(kv: Kv, options: RateLimitOptions): RateLimiter {
  const o = parseOptions(rateLimitOptions, options, 'createRateLimiter');
  const algorithm: Algorithm =
    o.algorithm === 'token-bucket' ? tokenBucket(o.limit, o.intervalMs) : slidingWindow(o.limit, o.intervalMs);
  // A key untouched for this long is at its full allowance again, so it may expire: both
  // algorithms forget everything older than two intervals.
  const ttl = kv.capabilities.ttl ? { ttlMs: 2 * o.intervalMs } : {};
  const turns = new Map<string, Promise<unknown>>();

  const checked = (key: unknown, cost: unknown): Result<{ key: string; cost: number }, RateLimitError> => {
    if (typeof key !== 'string' || key.length === 0 || key.length > 512)
      return err(rateLimitError('INVALID_ARGUMENT', 'the key must be a string of 1 to 512 characters'));
    if (!Number.isInteger(cost) || (cost as number) < 1 || (cost as number) > o.limit)
      return err(
        rateLimitError(
          'INVALID_ARGUMENT',
          `cost must be an integer from 1 to the limit (${o.limit}), got ${String(cost)}`,
        ),
      );
    return ok({ key: o.prefix + key, cost: cost as number });
  };

  const unreadable = (key: string) =>
    rateLimitError('STORE', `${key} holds a value this limiter did not write; delete it or use another prefix`);
  const store = (cause: KvError) => rateLimitError('STORE', `the kv failed: ${cause.message}`, cause);

  /**
   * One compare-and-swap round after another until one wins or the state says no, written once
   * as the kv calls it makes: run on `kv.sync` when the store answers synchronously (memory),
   * where a whole check is one uninterrupted step, else awaited.
   */
  function* decide(key: string, cost: number, write: boolean): Rounds {
    for (let attempt = 0; attempt < o.maxAttempts; attempt++) {
      const read = (yield { get: key }) as Result<KvValue | undefined, KvError>;
      if (read.isErr()) return err(store(read.error));
      const stored = read.value;
      if (stored !== undefined && typeof stored !== 'string') return err(unreadable(key));
      const step = algorithm.step(stored, o.clock.now(), cost);
      if (!step) return err(unreadable(key));
      if (!write || step.next === undefined) return ok(step.decision);
      const swapped = (yield { swap: [key, stored, step.next] }) as Result<boolean, KvError>;
      if (swapped.isErr()) return err(store(swapped.error));
      if (swapped.value) return ok(step.decision);
    }
    return err(rateLimitError('CONTENDED', `${key} changed on each of ${o.maxAttempts} rounds; nothing was used`));
  }

  const runSync = (sync: KvSync, rounds: Rounds) => {
    let next = rounds.next();
    while (!next.done) {
      const call = next.value;
      next = rounds.next('get' in call ? sync.get(call.get) : sync.compareAndSwap(...call.swap, ttl));
    }
    return next.value;
  };

  const runAsync = async (rounds: Rounds) => {
    let next = rounds.next();
    while (!next.done) {
      const call = next.value;
      next = rounds.next(await ('get' in call ? kv.get(call.get) : kv.compareAndSwap(...call.swap, ttl)));
    }
    return next.value;
  };

  /** Runs `run` after the previous check of the same key in this process. */
  const inTurn = <T>(key: string, run: () => Promise<T>): Promise<T> => {
    const previous = turns.get(key) ?? Promise.resolve();
    const mine = previous.then(run, run);
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    turns.set(key, settled);
    void settled.then(() => turns.get(key) === settled && turns.delete(key));
    return mine;
  };

  const check = (key: string, cost: number, write: boolean) => {
    const valid = checked(key, cost);
    if (valid.isErr()) return new ResultAsync(Promise.resolve(valid as Result<never, RateLimitError>));
    const { key: k, cost: c } = valid.value;
    if (kv.sync) return new ResultAsync(Promise.resolve(runSync(kv.sync, decide(k, c, write))));
    // In this process, checks of one key take turns: they would only lose races to each other.
    return new ResultAsync(write ? inTurn(k, () => runAsync(decide(k, c, true))) : runAsync(decide(k, c, false)));
  };

  return {
    consume: (key, cost = 1) => check(key, cost, true),
    peek: (key, cost = 1) => check(key, cost, false),
    reset: (key) => {
      const valid = checked(key, 1);
      if (valid.isErr()) return new ResultAsync(Promise.resolve(valid as Result<never, RateLimitError>));
      return kv
        .delete(valid.value.key)
        .map(() => undefined)
        .mapErr(store);
    },
  };
}
