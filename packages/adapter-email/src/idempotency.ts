import { randomUUID } from 'node:crypto';
import { EmailError, type Clock, type EmailReceipt, type Kv, type KvError } from '@keel/core';
import type { ResultAsync } from '@keel/core';
import type { IdempotencyPolicy } from './reliability.js';

/** The two kv operations idempotency needs; a `Kv` has both. */
export interface IdempotencyStore {
  get(key: string): Promise<string | undefined>;
  /** Writes `desired` (`undefined` deletes) if the value is `expected` (`undefined`: absent). */
  compareAndSwap(
    key: string,
    expected: string | undefined,
    desired: string | undefined,
    ttlMs?: number,
  ): Promise<boolean>;
}

type IdempotencyRecord =
  | { readonly state: 'pending'; readonly owner: string }
  | { readonly state: 'sent'; readonly receipt: EmailReceipt };

const POLL_MS = 50;

/**
 * Sends at most once per idempotency key within the window. A send claims its key with a
 * compare-and-swap (`absent → pending`), so of two concurrent duplicates only one sends; the
 * other waits for the first receipt. A failed send releases its claim so that a retry can send;
 * a claim left by a crashed process expires after `claimTtlMs`.
 *
 * @example
 * const guard = idempotencyGuard('sendgrid', policy, clock, sleep);
 * const receipt = await guard.run(message.idempotencyKey, () => post(message));
 */
export function idempotencyGuard(
  adapter: string,
  policy: IdempotencyPolicy,
  clock: Clock,
  sleep: (ms: number) => Promise<void>,
) {
  const store = policy.kv ? kvStore(policy.kv, adapter) : memoryStore(clock, policy.maxKeys);
  return {
    async run(key: string | undefined, send: () => Promise<EmailReceipt>): Promise<EmailReceipt> {
      if (key === undefined) return send();
      const storeKey = `${policy.keyPrefix}${adapter}:${key}`;
      let waited = 0;
      for (;;) {
        const claim = JSON.stringify({ state: 'pending', owner: randomUUID() } satisfies IdempotencyRecord);
        if (await store.compareAndSwap(storeKey, undefined, claim, policy.claimTtlMs))
          return complete(storeKey, claim, send);
        const current = await store.get(storeKey);
        if (current === undefined) continue; // released or expired in between: claim again
        const record = JSON.parse(current) as IdempotencyRecord;
        if (record.state === 'sent') return record.receipt;
        if (waited >= policy.waitMs) {
          throw new EmailError({
            code: 'UNAVAILABLE',
            message: `${adapter}: a send with idempotency key '${key}' is still in progress`,
            adapter,
            op: 'send',
            retryAfterMs: POLL_MS,
          });
        }
        await sleep(POLL_MS);
        waited += POLL_MS;
      }
    },
  };

  async function complete(storeKey: string, claim: string, send: () => Promise<EmailReceipt>): Promise<EmailReceipt> {
    let receipt: EmailReceipt;
    try {
      receipt = await send();
    } catch (thrown) {
      await store.compareAndSwap(storeKey, claim, undefined).catch(() => false);
      throw thrown;
    }
    // The message is out: a failure to remember that must not turn the send into an error.
    await store
      .compareAndSwap(
        storeKey,
        claim,
        JSON.stringify({ state: 'sent', receipt } satisfies IdempotencyRecord),
        policy.windowMs,
      )
      .catch(() => false);
    return receipt;
  }
}

function kvStore(kv: Kv, adapter: string): IdempotencyStore {
  const unwrap = async <T>(result: ResultAsync<T, KvError>): Promise<T> => {
    const r = await result;
    if (r.isOk()) return r.value;
    throw new EmailError({
      code: 'UNAVAILABLE',
      message: `${adapter}: the idempotency store failed: ${r.error.message}`,
      adapter,
      op: 'send',
      cause: r.error,
    });
  };
  return {
    get: async (key) => {
      const value = await unwrap(kv.get(key));
      return typeof value === 'string' ? value : undefined;
    },
    compareAndSwap: (key, expected, desired, ttlMs) =>
      unwrap(kv.compareAndSwap(key, expected, desired, ttlMs === undefined ? undefined : { ttlMs })),
  };
}

/** One process's keys in a Map, oldest first; expired entries are dropped when met or when full. */
function memoryStore(clock: Clock, maxKeys: number): IdempotencyStore {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= clock.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    get: async (key) => live(key)?.value,
    async compareAndSwap(key, expected, desired, ttlMs) {
      if (live(key)?.value !== expected) return false;
      entries.delete(key);
      if (desired !== undefined) {
        entries.set(key, {
          value: desired,
          expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : clock.now() + ttlMs,
        });
        for (const [oldest] of entries) {
          if (entries.size <= maxKeys) break;
          entries.delete(oldest);
        }
      }
      return true;
    },
  };
}
